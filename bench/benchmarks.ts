// The benchmark registry: `npm run bench -- <name>` runs one, `npm run bench` all, in this order.
// Each module exports `run(options): Promise<BenchResult>` (bench/support/result.ts).
export const benchmarks: Record<string, string> = {
  chaos: './chaos.ts',
};
