// The benchmark contract: every bench/<name>.ts exports `run`, which measures and returns rows, each a
// figure beside its target (the limit or goal); the runner prints, compares and records them.

export interface BenchOptions {
  /** Small sizes for a smoke run. */
  quick: boolean;
}

export interface BenchRow {
  goal: string;
  metric: string;
  measured: number;
  target: number;
  unit: string;
  better: 'lower' | 'higher';
}

export interface BenchResult {
  name: string;
  title: string;
  rows: BenchRow[];
  /** The raw measurements, written to bench/results/<name>.json. */
  samples: unknown;
  notes?: string[];
}

export interface Benchmark {
  run(options: BenchOptions): Promise<BenchResult>;
}

/** measured / target; undefined when the target is 0 (no ratio to speak of). */
export function ratio(row: BenchRow): number | undefined {
  return row.target === 0 ? undefined : row.measured / row.target;
}

export function met(row: BenchRow): boolean {
  return row.better === 'lower' ? row.measured <= row.target : row.measured >= row.target;
}

/** The middle value (the mean of the two middles for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle) ? (sorted[middle - 1]! + sorted[middle]!) / 2 : sorted[Math.floor(middle)]!;
}

/** The p-th percentile (0-100) by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
