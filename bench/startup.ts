// `npm start` until "Local cloud ready": from a clean clone (no cdk.out), after an edit to one
// function's source, after only touching it (timestamp, same contents), and with nothing changed.
// Runs the command npm start runs, on free ports and a fresh state directory, then stops it with
// Ctrl-C. It removes this checkout's cdk.out and bundle cache for the clean run: do not run it
// beside the e2e suite. Each start records the 1-minute load average it began at.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median, type BenchOptions, type BenchResult, type BenchRow } from './support/result.js';
import { BUNDLE_CACHE_DIR } from '../lib/constructs/onboarding-function.js';
import { PROJECT_ROOT } from '../scripts/synth.js';

const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;
/** The source file a developer edits between two starts. */
const EDITED_FILE = join(PROJECT_ROOT, 'functions', 'create-role', 'handler.ts');

/** Today's clean start (issue 11) and what a restart should take: one edited function is rebuilt, the rest reused. */
const TARGETS_S = { clean: 20, edited: 10, touched: 5, unchanged: 5 };

interface Start {
  seconds: number;
  synthesized: boolean;
  loadAverage: number;
}

function startOnce(): Promise<Start> {
  const stateDir = mkdtempSync(join(tmpdir(), 'startup-bench-'));
  const loadAverage = loadavg()[0]!;
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-cloud.ts', 'start'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LOCAL_PORT: '0', LOCAL_API_PORT: '0', LOCAL_STATE_DIR: stateDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<Start>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after ${READY_TIMEOUT_MS} ms:\n${output}`)), READY_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (!output.includes('Local cloud ready in')) return;
      clearTimeout(timer);
      resolve({ seconds: (performance.now() - started) / 1000, synthesized: output.includes('Synthesizing the CDK app'), loadAverage });
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited before ready:\n${output}`));
    });
  });
  const stop = async () => {
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(killer);
    rmSync(stateDir, { recursive: true, force: true });
  };
  return ready.finally(stop);
}

async function afterEdit(): Promise<Start> {
  const original = readFileSync(EDITED_FILE, 'utf8');
  writeFileSync(EDITED_FILE, `${original}// edited by bench/startup.ts\n`);
  try {
    return await startOnce();
  } finally {
    writeFileSync(EDITED_FILE, original);
  }
}

async function afterTouch(): Promise<Start> {
  const now = new Date();
  utimesSync(EDITED_FILE, now, now);
  return startOnce();
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const repeats = options.quick ? 1 : 3;
  const samples: Record<keyof typeof TARGETS_S, Start[]> = { clean: [], edited: [], touched: [], unchanged: [] };
  if (!options.quick) {
    for (let i = 0; i < repeats; i += 1) {
      rmSync(join(PROJECT_ROOT, 'cdk.out'), { recursive: true, force: true });
      rmSync(BUNDLE_CACHE_DIR, { recursive: true, force: true });
      samples.clean.push(await startOnce());
    }
    for (let i = 0; i < repeats; i += 1) {
      samples.edited.push(await afterEdit());
      await startOnce(); // the edit is undone: synthesize the unedited sources again
    }
    for (let i = 0; i < repeats; i += 1) samples.touched.push(await afterTouch());
  } else {
    await startOnce(); // makes cdk.out current
  }
  for (let i = 0; i < repeats; i += 1) samples.unchanged.push(await startOnce());

  const describe: Record<keyof typeof TARGETS_S, string> = {
    clean: 'clean clone (no cdk.out, no bundle cache)',
    edited: 'after editing one function source',
    touched: 'after touching one source (same contents)',
    unchanged: 'nothing changed',
  };
  const rows: BenchRow[] = (Object.keys(samples) as (keyof typeof TARGETS_S)[])
    .filter((scenario) => samples[scenario].length > 0)
    .map((scenario) => ({
      goal: 'start-up: npm start to ready',
      metric: `${describe[scenario]}${samples[scenario].length > 1 ? `, median of ${samples[scenario].length}` : ''}`,
      measured: Math.round(median(samples[scenario].map((start) => start.seconds)) * 10) / 10,
      target: TARGETS_S[scenario],
      unit: 's',
      better: 'lower',
    }));
  return {
    name: 'startup',
    title: 'npm start until "Local cloud ready" (free ports, fresh state directory)',
    rows,
    samples,
    notes: (Object.keys(samples) as (keyof typeof TARGETS_S)[])
      .filter((scenario) => samples[scenario].length > 0)
      .map(
        (scenario) =>
          `${describe[scenario]}: ${samples[scenario].map((s) => `${s.seconds.toFixed(1)} s${s.synthesized ? ' (synthesized)' : ''} at load ${s.loadAverage.toFixed(1)}`).join(', ')}`,
      ),
  };
}
