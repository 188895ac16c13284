// `npm run bench` runs every registered benchmark; `npm run bench -- <name>... [--quick]` runs the named
// ones. Prints one table per benchmark (each figure beside its target), writes the raw result to
// bench/results/<name>.json and updates bench/results/summary.json. Synthesize first: npm run synth.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchmarks } from './benchmarks.js';
import { met, ratio, type Benchmark, type BenchResult, type BenchRow } from './support/result.js';

// Lambda runs Node 22; on a Node 20 machine the SDK would print its upgrade notice in every function.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const benchDir = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(benchDir, 'results');

interface Machine {
  cpus: number;
  model: string;
  memoryGiB: number;
  node: string;
  os: string;
  /** 1-minute load average when the benchmark started: the machine may be shared. */
  loadAverage: number;
}

function machine(): Machine {
  const processors = cpus();
  return {
    cpus: processors.length,
    model: processors[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${type()} ${release()} (${platform()})`,
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
  };
}

function figure(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(2) : value.toFixed(3);
}

function table(result: BenchResult): string {
  const header = ['goal', 'metric', 'measured', 'target', 'ratio', 'met'];
  const lines = result.rows.map((row) => {
    const rowRatio = ratio(row);
    return [
      row.goal,
      row.metric,
      `${figure(row.measured)} ${row.unit}`.trim(),
      `${row.better === 'lower' ? '≤' : '≥'} ${figure(row.target)} ${row.unit}`.trim(),
      rowRatio === undefined ? '-' : rowRatio.toFixed(2),
      met(row) ? 'yes' : 'NO',
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ');
  return [format(header), widths.map((width) => '-'.repeat(width)).join('-|-'), ...lines.map(format)].join('\n');
}

interface SummaryEntry {
  title: string;
  date: string;
  machine: Machine;
  rows: (BenchRow & { ratio: number | null; met: boolean })[];
  notes: string[];
}

/** The summary keeps every benchmark's latest rows, so running one updates only its entry. */
function updateSummary(name: string, entry: SummaryEntry): void {
  const path = join(resultsDir, 'summary.json');
  let summary: Record<string, SummaryEntry> = {};
  try {
    summary = JSON.parse(readFileSync(path, 'utf8')) as Record<string, SummaryEntry>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  summary[name] = entry;
  const ordered = Object.fromEntries(Object.keys(summary).sort().map((key) => [key, summary[key]]));
  writeFileSync(path, `${JSON.stringify(ordered, null, 2)}\n`);
}

async function runOne(name: string, quick: boolean): Promise<void> {
  const module = (await import(benchmarks[name]!)) as Benchmark;
  const started = machine();
  const date = new Date().toISOString();
  console.log(`\n== ${name}${quick ? ' (quick)' : ''}`);
  const result = await module.run({ quick });
  console.log(`${result.title}\n\n${table(result)}`);
  for (const note of result.notes ?? []) console.log(`  note: ${note}`);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify({ machine: started, date, quick, result }, null, 2)}\n`);
  updateSummary(name, {
    title: result.title,
    date,
    machine: started,
    rows: result.rows.map((row) => ({ ...row, ratio: ratio(row) ?? null, met: met(row) })),
    notes: result.notes ?? [],
  });
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const names = args.filter((arg) => !arg.startsWith('--'));
const unknown = names.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}`);
  process.exit(2);
}
for (const name of names.length > 0 ? names : Object.keys(benchmarks)) await runOne(name, quick);
