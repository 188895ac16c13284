// `npm run bench`: bundle sizes from cdk.out, then POST→READY latency on the local cloud.
import { spawnSync } from 'node:child_process';

for (const script of ['bench/bundle-sizes.ts', 'bench/onboarding-latency.ts']) {
  console.log(`\n== ${script}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
