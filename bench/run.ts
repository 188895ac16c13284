// `npm run bench [-- runs]`: bundle sizes from cdk.out, then POST→READY latency on the local cloud.
import { spawnSync } from 'node:child_process';

const runs = process.argv[2];
const scripts: [string, string[]][] = [
  ['bench/bundle-sizes.ts', []],
  ['bench/onboarding-latency.ts', runs ? [runs] : []],
];
for (const [script, args] of scripts) {
  console.log(`\n== ${script}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
