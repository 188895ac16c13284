// `cdk synth` before the local cloud deploys cdk.out (skipped with --no-synth).
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

function synthesize(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['cdk', 'synth', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cdk synth failed (exit ${code}):\n${output}`))));
  });
}

export async function synthesizeUnlessSkipped(args: string[]): Promise<void> {
  if (args.includes('--no-synth')) return;
  const started = performance.now();
  process.stdout.write('Synthesizing the CDK app (cdk.out)... ');
  await synthesize();
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
