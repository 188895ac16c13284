// Module initialisation of each Lambda bundle in a fresh Node process: a process that imports the
// bundle (which runs the handler module's top level: environment, logger, SDK clients) with the
// environment the template gives the function, beside 1.5 × a bare `node -e 0`. Two figures per
// run: wall time seen by the parent, and the CPU time (user + system) the child reports at its
// end, which a busy shared machine disturbs far less. Runs are interleaved (bare, each bundle,
// bare, ...) so load drifts affect all cases alike. Children get only PATH and Lambda's variables:
// a NODE_EXTRA_CA_CERTS bundle alone adds ~40 ms CPU to every Node start (Lambda's Node.js 20+
// runtimes do not set it), which is measured separately in the notes. The alternative (SDK left to the
// runtime, loaded unbundled from node_modules as the runtime loads its own copy) runs the same way,
// as an ESM bundle (the SDK's ESM files) and as a CommonJS one (its one-file-per-package CommonJS
// builds), for the smallest and the largest bundle. The floor rows show where 1.5x stands: an empty
// ES module, the Node built-ins the bundles import, Powertools Logger alone, and the SDK core with
// one client and nothing else.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { median, type BenchOptions, type BenchResult, type BenchRow } from './support/result.js';
import { deployedBundles, esbuildOptions, type DeployedBundle } from './support/lambda-bundles.js';
import { functionBuildOptions } from '../lib/constructs/function-bundle.js';
import { PROJECT_ROOT } from '../scripts/synth.js';

const TARGET_RATIO = 1.5;
/** Inside the project, so the runtime-SDK variant resolves @aws-sdk/* from node_modules. */
const VARIANT_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'cold-start-bench');
/** The child's own CPU time so far (user + system, ms), its last act. */
const PRINT_CPU = 'const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000));';

interface Case {
  label: string;
  args: string[];
  env: Record<string, string | undefined>;
}

interface Sample {
  wallMs: number;
  cpuMs: number;
}

function importing(file: string): string[] {
  return ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(file).href)}); ${PRINT_CPU}`];
}

function timeOnce(run: Case): Sample {
  const started = performance.now();
  const result = spawnSync(process.execPath, run.args, { env: run.env, encoding: 'utf8' });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`${run.label}: exited ${result.status}\n${result.stderr}`);
  return { wallMs, cpuMs: Number(result.stdout) };
}

function requiring(file: string): string[] {
  return ['-e', `require(${JSON.stringify(file)}); ${PRINT_CPU}`];
}

/** The bundle with the SDK left to the runtime, in ESM (imported) or CommonJS (required). */
async function runtimeSdkVariant(bundle: DeployedBundle, format: 'esm' | 'cjs'): Promise<string[]> {
  const file = join(VARIANT_DIR, bundle.name, format === 'esm' ? 'index.mjs' : 'index.cjs');
  mkdirSync(join(VARIANT_DIR, bundle.name), { recursive: true });
  const options = esbuildOptions(bundle.entry, 'runtime');
  const result = await build({ ...options, ...(format === 'cjs' ? { format: 'cjs', banner: {} } : {}), write: false, outfile: file });
  writeFileSync(file, result.outputFiles[0]!.contents);
  return format === 'esm' ? importing(file) : requiring(file);
}

/** A module of the given source, bundled as the functions are: what a part of a bundle costs alone. */
async function bundledModule(name: string, source: string): Promise<string> {
  mkdirSync(VARIANT_DIR, { recursive: true });
  const entry = join(VARIANT_DIR, `${name}.ts`);
  writeFileSync(entry, source);
  const file = join(VARIANT_DIR, `${name}.mjs`);
  const result = await build({ ...functionBuildOptions(PROJECT_ROOT, entry), write: false, outfile: file });
  writeFileSync(file, result.outputFiles[0]!.contents);
  return file;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

/**
 * A module importing only the Node built-ins the bundles import (https, crypto, streams, ...): the
 * least any of them can cost, whatever is trimmed from the bundle itself.
 */
function builtinsFloor(bundles: DeployedBundle[]): string {
  const builtins = new Set<string>();
  for (const bundle of bundles) {
    for (const match of readFileSync(bundle.file, 'utf8').matchAll(/(?:from|import)\s*["'](node:[\w/]+)["']/g)) builtins.add(match[1]!);
  }
  const file = join(VARIANT_DIR, 'builtins-floor.mjs');
  mkdirSync(VARIANT_DIR, { recursive: true });
  writeFileSync(file, [...builtins].sort().map((name) => `import '${name}';`).join('\n'));
  return file;
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const runs = options.quick ? 3 : 15;
  const bundles = deployedBundles();
  const path = { PATH: process.env.PATH };
  const bare: Case = { label: 'node -e 0', args: ['-e', PRINT_CPU], env: path };
  const shellBare: Case = { label: "node -e 0 (this shell's environment)", args: ['-e', PRINT_CPU], env: process.env };
  const bundled = bundles.map((bundle) => ({ label: bundle.name, args: importing(bundle.file), env: { ...path, ...bundle.environment } }));
  const bySize = [...bundles].sort((a, b) => statSync(a.file).size - statSync(b.file).size);
  const runtimeSdk: Case[] = [];
  if (!options.quick) {
    for (const bundle of [bySize[0]!, bySize.at(-1)!]) {
      for (const format of ['esm', 'cjs'] as const) {
        runtimeSdk.push({ label: `${bundle.name} (runtime SDK, ${format === 'esm' ? 'ESM' : 'CommonJS'})`, args: await runtimeSdkVariant(bundle, format), env: { ...path, ...bundle.environment } });
      }
    }
  }
  const lambdaEnvironment = { ...path, ...bundles[0]!.environment };
  const floors: Case[] = [
    { label: 'floor: an empty ES module', args: importing(await bundledModule('empty', 'export const handler = () => undefined;\n')), env: path },
    { label: 'floor: the Node built-ins the bundles import', args: importing(builtinsFloor(bundles)), env: path },
    {
      label: 'floor: Powertools Logger alone',
      args: importing(await bundledModule('logger-only', "import { Logger } from '@aws-lambda-powertools/logger';\nexport const logger = new Logger();\n")),
      env: lambdaEnvironment,
    },
    {
      label: 'floor: the SDK core and one STS client, nothing else',
      args: importing(await bundledModule('sdk-only', "import { STSClient } from '@aws-sdk/client-sts';\nexport const sts = new STSClient({});\n")),
      env: lambdaEnvironment,
    },
  ];
  const cases = [bare, shellBare, ...floors, ...bundled, ...runtimeSdk];
  const load = loadavg()[0]!;
  const samples = new Map<string, Sample[]>(cases.map((c) => [c.label, []]));
  try {
    for (const run of cases) timeOnce(run); // warm the file cache: Lambda reads the bundle from a warm local disk too
    for (let round = 0; round < runs; round += 1) for (const run of cases) samples.get(run.label)!.push(timeOnce(run));
  } finally {
    rmSync(VARIANT_DIR, { recursive: true, force: true });
  }
  const medianOf = (label: string, figure: keyof Sample) => round1(median(samples.get(label)!.map((sample) => sample[figure])));
  const baseline = { cpuMs: medianOf(bare.label, 'cpuMs'), wallMs: medianOf(bare.label, 'wallMs') };
  const row = (run: Case, figure: keyof Sample, goal: string): BenchRow => ({
    goal,
    metric: `${run.label}: ${figure === 'cpuMs' ? 'CPU' : 'wall'}, median of ${runs}`,
    measured: medianOf(run.label, figure),
    target: round1(baseline[figure] * TARGET_RATIO),
    unit: 'ms',
    better: 'lower',
  });
  const rows: BenchRow[] = [
    ...floors.map((run) => row(run, 'cpuMs', 'cold start: init (CPU), floor')),
    ...bundled.map((run) => row(run, 'cpuMs', 'cold start: init (CPU)')),
    ...bundled.map((run) => row(run, 'wallMs', 'cold start: init (wall)')),
    ...runtimeSdk.map((run) => row(run, 'cpuMs', "cold start: init (CPU), SDK from the runtime")),
  ];
  const ratioTo = (run: Case, figure: keyof Sample) => (medianOf(run.label, figure) / baseline[figure]).toFixed(2);
  return {
    name: 'cold-start',
    title: `Module initialisation in a fresh Node process (target ${TARGET_RATIO} × node -e 0)`,
    rows,
    samples: { runs, node: process.version, loadAverage: load, baseline, samples: Object.fromEntries(samples) },
    notes: [
      `node -e 0: median CPU ${baseline.cpuMs} ms, wall ${baseline.wallMs} ms over ${runs} runs (Node ${process.version}, 1-minute load average ${load.toFixed(1)} at the start)`,
      `node -e 0 with this shell's environment: CPU ${medianOf(shellBare.label, 'cpuMs')} ms, wall ${medianOf(shellBare.label, 'wallMs')} ms`,
      ...[...floors, ...bundled, ...runtimeSdk].map(
        (run) => `${run.label}: ${ratioTo(run, 'cpuMs')} × node -e 0 in CPU, ${ratioTo(run, 'wallMs')} × in wall time`,
      ),
    ],
  };
}
