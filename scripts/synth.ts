// `cdk synth` before the local cloud deploys cdk.out, only when something it is built from changed.
// The one place that decides whether cdk.out is current (npm start, npm run demo, the e2e suite and
// the benchmarks use it): a digest of every input of the synthesis is stored beside the cloud
// assembly it produced, so a restart with nothing changed skips the ~15 s synth, and a change to any
// input (file contents, not timestamps) synthesizes again.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';

export const PROJECT_ROOT = join(import.meta.dirname, '..');

/** What the CDK app reads: its code, the Lambda sources it bundles, the ASL files, settings (and cached context lookups) and the locked dependencies. */
const SYNTH_INPUTS = ['bin', 'lib', 'functions', 'statemachine', 'cdk.json', 'cdk.context.json', 'tsconfig.json', 'package-lock.json'];
/**
 * The environment the CDK CLI and bin/app.ts read to pick the stack's account and region (the CLI
 * asks STS whose credentials these are). Only the access key id, never the secret, enters the digest.
 */
const SYNTH_ENVIRONMENT = ['CDK_DEFAULT_ACCOUNT', 'CDK_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID'];
/** Written only after a successful synth: the inputs it was built from and the assembly it produced. */
const STAMP_FILE = '.synth-inputs.json';

interface Stamp {
  inputs: string;
  assembly: string;
}

function inputPaths(root: string): string[] {
  return SYNTH_INPUTS.flatMap((input) => {
    const full = join(root, input);
    if (!existsSync(full)) return [];
    if (!statSync(full).isDirectory()) return [input];
    return readdirSync(full, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(root, join(entry.parentPath, entry.name)));
  }).sort();
}

/** Digest of every synth input's path and contents, plus the environment variables that pick account and region. */
export function synthInputsDigest(root = PROJECT_ROOT, env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256');
  for (const path of inputPaths(root)) hash.update(`${path}\0`).update(readFileSync(join(root, path))).update('\0');
  for (const name of SYNTH_ENVIRONMENT) hash.update(`${name}=${env[name] ?? ''}\0`);
  return hash.digest('hex');
}

/** Digest of the assembly's top-level files, so an assembly synthesized by hand afterwards is not mistaken for ours. */
function assemblyDigest(cdkOut: string): string {
  const hash = createHash('sha256');
  const files = readdirSync(cdkOut).filter((name) => name.endsWith('.json') && name !== STAMP_FILE).sort();
  for (const name of files) hash.update(`${name}\0`).update(readFileSync(join(cdkOut, name))).update('\0');
  return hash.digest('hex');
}

function readStamp(cdkOut: string): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(join(cdkOut, STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** True when cdk.out was synthesized by this module from exactly the current inputs. */
export function isSynthCurrent(root = PROJECT_ROOT): boolean {
  const cdkOut = join(root, 'cdk.out');
  if (!existsSync(join(cdkOut, 'manifest.json'))) return false;
  const stamp = readStamp(cdkOut);
  return stamp?.inputs === synthInputsDigest(root) && stamp.assembly === assemblyDigest(cdkOut);
}

/** The CDK CLI run by node itself: npx would add about a second of its own to every synth. */
function cdkSynthArgs(root: string): string[] {
  return [createRequire(join(root, 'package.json')).resolve('aws-cdk/bin/cdk'), 'synth', '--quiet'];
}

function forgetStamp(root: string): string {
  // Inputs are read before synth starts: an edit made while it runs is picked up by the next start.
  const inputs = synthInputsDigest(root);
  rmSync(join(root, 'cdk.out', STAMP_FILE), { force: true });
  return inputs;
}

/** Records that cdk.out was just synthesized from inputs whose digest was `inputs`. */
export function markSynthesized(root: string, inputs: string): void {
  const cdkOut = join(root, 'cdk.out');
  const stamp: Stamp = { inputs, assembly: assemblyDigest(cdkOut) };
  writeFileSync(join(cdkOut, STAMP_FILE), `${JSON.stringify(stamp)}\n`);
}

/** Long enough for a synth on a busy machine; a holder that died is noticed at once. */
const LOCK_WAIT_MS = 15 * 60_000;
const LOCK_POLL_MS = 200;

function lockHolderAlive(lock: string): boolean {
  try {
    process.kill(Number(readFileSync(lock, 'utf8')), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One synth of a checkout at a time: the e2e files start in parallel processes, and two synths
 * writing the same cdk.out would corrupt it. A lock file (holding the pid) outside the checkout.
 */
function withSynthLock<T>(root: string, body: () => T): T {
  const lock = join(tmpdir(), `capa-synth-${createHash('sha256').update(root).digest('hex').slice(0, 16)}.lock`);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (!lockHolderAlive(lock)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`cdk synth: another process has held ${lock} for ${LOCK_WAIT_MS / 60_000} minutes`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, LOCK_POLL_MS);
    }
  }
  try {
    return body();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * Synthesizes cdk.out unless it is current (or `force`); true when it synthesized. Synchronous, so
 * test setup code that cannot await uses it too.
 */
export function synthesizeIfChanged(root = PROJECT_ROOT, force = false): boolean {
  if (!force && isSynthCurrent(root)) return false;
  return withSynthLock(root, () => {
    // Another process may have synthesized the same inputs while this one waited for the lock.
    if (!force && isSynthCurrent(root)) return false;
    const inputs = forgetStamp(root);
    const result = spawnSync(process.execPath, cdkSynthArgs(root), {
      cwd: root,
      // CDK's built-in CloudFormation validation (a WebAssembly engine, about half of a synth's CPU)
      // only reports warnings; `npm run synth` and the infra tests still run it.
      env: { ...process.env, CDK_VALIDATION: 'false' },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0) throw new Error(`cdk synth failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
    markSynthesized(root, inputs);
    return true;
  });
}

/**
 * `npm start` / `npm run demo`: synthesizes unless cdk.out is current. `--no-synth` deploys cdk.out
 * as it is; `--synth` synthesizes even when nothing changed.
 */
export async function synthesizeUnlessSkipped(args: string[], root = PROJECT_ROOT): Promise<void> {
  if (args.includes('--no-synth')) return;
  if (!args.includes('--synth') && isSynthCurrent(root)) {
    console.log('cdk.out is current (nothing in bin/, lib/, functions/, statemachine/ or the settings changed since its synth); --synth forces one');
    return;
  }
  const started = performance.now();
  process.stdout.write('Synthesizing the CDK app (cdk.out)... ');
  synthesizeIfChanged(root, args.includes('--synth'));
  console.log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
