// Module initialisation of each Lambda bundle in a fresh Node process: the wall time of `node
// index.mjs` (importing the bundle runs the handler module's top level: environment, logger, SDK
// clients), with the environment the template gives the function, beside 1.5 × a bare `node -e 0`.
// Runs are interleaved (bare, each bundle, bare, ...) so a busy machine slows all of them alike.
// The alternative (SDK left to the runtime, loaded unbundled from node_modules as the nodejs22.x
// runtime loads its own copy) is measured the same way.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import { median, type BenchOptions, type BenchResult, type BenchRow } from './support/result.js';
import { deployedBundles, esbuildOptions, type DeployedBundle } from './support/lambda-bundles.js';
import { PROJECT_ROOT } from '../scripts/synth.js';

const TARGET_RATIO = 1.5;
/** Inside the project, so the runtime-SDK variant resolves @aws-sdk/* from node_modules. */
const VARIANT_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'cold-start-bench');

interface Case {
  label: string;
  args: string[];
  env: Record<string, string>;
}

function timeOnce(run: Case): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, run.args, { env: { PATH: process.env.PATH ?? '', ...run.env }, encoding: 'utf8' });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`${run.label}: node ${run.args.join(' ')} exited ${result.status}\n${result.stderr}`);
  return elapsed;
}

async function runtimeSdkVariant(bundle: DeployedBundle): Promise<string> {
  const file = join(VARIANT_DIR, bundle.name, 'index.mjs');
  mkdirSync(join(VARIANT_DIR, bundle.name), { recursive: true });
  const result = await build({ ...esbuildOptions(bundle.entry, 'runtime'), write: false, outfile: file });
  writeFileSync(file, result.outputFiles[0]!.contents);
  return file;
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const runs = options.quick ? 3 : 15;
  const bundles = deployedBundles();
  const bare: Case = { label: 'node -e 0', args: ['-e', '0'], env: {} };
  const cases: Case[] = [bare];
  for (const bundle of bundles) cases.push({ label: bundle.name, args: [bundle.file], env: bundle.environment });
  if (!options.quick) {
    for (const bundle of bundles) {
      cases.push({ label: `${bundle.name} (runtime SDK)`, args: [await runtimeSdkVariant(bundle)], env: bundle.environment });
    }
  }
  const load = loadavg()[0]!;
  const times = new Map<string, number[]>(cases.map((c) => [c.label, []]));
  try {
    for (const run of cases) timeOnce(run); // warm the file cache: a cold start on Lambda reads a local disk, not a cold one
    for (let round = 0; round < runs; round += 1) for (const run of cases) times.get(run.label)!.push(timeOnce(run));
  } finally {
    rmSync(VARIANT_DIR, { recursive: true, force: true });
  }
  const medians = Object.fromEntries([...times].map(([label, values]) => [label, Math.round(median(values) * 10) / 10]));
  const baseline = medians[bare.label]!;
  const target = Math.round(baseline * TARGET_RATIO * 10) / 10;
  const rows: BenchRow[] = cases
    .filter((run) => run !== bare)
    .map((run) => ({
      goal: run.label.endsWith('(runtime SDK)') ? 'cold start: init, alternative' : 'cold start: init',
      metric: `${run.label}: node index.mjs, median of ${runs}`,
      measured: medians[run.label]!,
      target,
      unit: 'ms',
      better: 'lower',
    }));
  return {
    name: 'cold-start',
    title: `Module initialisation in a fresh Node process (target ${TARGET_RATIO} × node -e 0 = ${target} ms)`,
    rows,
    samples: { runs, baselineMs: baseline, loadAverage: load, node: process.version, times: Object.fromEntries(times) },
    notes: [
      `node -e 0: median ${baseline} ms over ${runs} runs (Node ${process.version}, 1-minute load average ${load.toFixed(1)} at the start)`,
      ...rows.map((row) => `${row.metric.split(':')[0]}: ${(row.measured / baseline).toFixed(2)} × node -e 0`),
    ],
  };
}
