// `npm run test:mutation:summary`: mutation score per folder, every mutant no test killed, and the
// timeouts (counted as detected, so worth a look on a loaded machine), from Stryker's JSON report
// (`npm run test:mutation` writes it). Optional argument: the report's path.
import { readFileSync } from 'node:fs';

const DEFAULT_REPORT = 'reports/mutation/mutation.json';

type MutantStatus = 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';

interface Position {
  line: number;
  column: number;
}

interface Mutant {
  mutatorName: string;
  replacement?: string;
  location: { start: Position; end: Position };
  status: MutantStatus;
}

interface MutationReport {
  files: Record<string, { source: string; mutants: Mutant[] }>;
}

interface Tally {
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  errors: number;
  ignored: number;
  total: number;
}

const emptyTally = (): Tally => ({ killed: 0, timeout: 0, survived: 0, noCoverage: 0, errors: 0, ignored: 0, total: 0 });

function count(tally: Tally, status: MutantStatus): void {
  tally.total += 1;
  if (status === 'Killed') tally.killed += 1;
  else if (status === 'Timeout') tally.timeout += 1;
  else if (status === 'Survived') tally.survived += 1;
  else if (status === 'NoCoverage') tally.noCoverage += 1;
  else if (status === 'CompileError' || status === 'RuntimeError') tally.errors += 1;
  else if (status === 'Ignored') tally.ignored += 1;
}

// Stryker's definitions: errors and ignored mutants are left out; a timeout counts as detected.
const detected = (t: Tally) => t.killed + t.timeout;
const percent = (part: number, whole: number) => (whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(2)}%`);
const score = (t: Tally) => percent(detected(t), detected(t) + t.survived + t.noCoverage);
const coveredScore = (t: Tally) => percent(detected(t), detected(t) + t.survived);

/** functions/<name> for the Lambda code (one folder per handler, plus shared), else the top folder. */
function folderOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'functions' && parts.length > 2 ? `functions/${parts[1]}` : (parts[0] ?? file);
}

/** The mutated code as written in the source, on one line. */
function originalText(source: string, { start, end }: Mutant['location']): string {
  const lines = source.split('\n');
  const selected = lines.slice(start.line - 1, end.line);
  if (selected.length === 0) return '';
  selected[selected.length - 1] = selected[selected.length - 1]!.slice(0, end.column - 1);
  selected[0] = selected[0]!.slice(start.column - 1);
  return oneLine(selected.join('\n'));
}

const MAX_SNIPPET = 160;
function oneLine(code: string): string {
  const flat = code.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_SNIPPET ? `${flat.slice(0, MAX_SNIPPET - 1)}…` : flat;
}

function mapEntry(map: Map<string, Tally>, key: string): Tally {
  const existing = map.get(key);
  if (existing) return existing;
  const created = emptyTally();
  map.set(key, created);
  return created;
}

const reportPath = process.argv[2] ?? DEFAULT_REPORT;
const report = JSON.parse(readFileSync(reportPath, 'utf8')) as MutationReport;

const byFolder = new Map<string, Tally>();
const byTopFolder = new Map<string, Tally>();
const overall = emptyTally();
const LISTED = { Survived: 'Survived', NoCoverage: 'No coverage', Timeout: 'Timeout' } as const;
type ListedStatus = keyof typeof LISTED;
const isListed = (status: MutantStatus): status is ListedStatus => status in LISTED;
const listed: Array<{ status: ListedStatus; line: string }> = [];

for (const [file, { source, mutants }] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const folder = folderOf(file);
  const top = file.split('/')[0] ?? file;
  for (const mutant of [...mutants].sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column)) {
    for (const tally of [overall, mapEntry(byFolder, folder), mapEntry(byTopFolder, top)]) count(tally, mutant.status);
    if (isListed(mutant.status)) {
      const { line, column } = mutant.location.start;
      listed.push({
        status: mutant.status,
        line: `${file}:${line}:${column}  ${mutant.mutatorName}  ${originalText(source, mutant.location)}  =>  ${oneLine(mutant.replacement ?? '')}`,
      });
    }
  }
}

const header = ['folder', 'score', 'covered', 'killed', 'timeout', 'survived', 'no-cov', 'errors', 'ignored', 'total'];
const row = (name: string, t: Tally) => [name, score(t), coveredScore(t), t.killed, t.timeout, t.survived, t.noCoverage, t.errors, t.ignored, t.total].map(String);
const rows = [
  ...[...byFolder.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, t]) => row(name, t)),
  ...[...byTopFolder.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, t]) => row(`${name}/ (all)`, t)),
  row('all', overall),
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const format = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');

console.log(`Mutation score by folder (${reportPath}): detected / (detected + survived + no coverage); "covered" leaves no-coverage out.`);
console.log(format(header));
for (const r of rows) console.log(format(r));

for (const [status, title] of Object.entries(LISTED)) {
  const lines = listed.filter((l) => l.status === status);
  console.log(`\n${title} (${lines.length}): file:line:column  mutator  original  =>  replacement`);
  for (const { line } of lines) console.log(line);
}
