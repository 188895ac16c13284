// The benchmark registry: `npm run bench -- <name>` runs one, `npm run bench` all, in this order.
// Each module exports `run(options): Promise<BenchResult>` (bench/support/result.ts).
export const benchmarks: Record<string, string> = {
  bundles: './bundles.ts',
  'cold-start': './cold-start.ts',
  startup: './startup.ts',
  'onboarding-latency': './onboarding-latency.ts',
  latency: './latency.ts',
  'idle-cpu': './idle-cpu.ts',
  chaos: './chaos.ts',
  scale: './scale.ts',
  'request-cost': './request-cost.ts',
  rollout: './rollout.ts',
  sweep: './sweep.ts',
  reconcile: './reconcile.ts',
};
