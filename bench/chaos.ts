// The seeded chaos scenario of test/e2e/chaos.e2e.test.ts at a larger size: faults on every service
// the product calls, duplicate and concurrent POSTs, new-account events, a StopExecution and a kill -9
// of the local cloud with a restart from its state directory. Prints the invariants (each must be 0)
// and the counts. `npm run bench -- chaos [--quick]`; CHAOS_SEED=<n> replays a plan.
import { ensureSynthesized } from '../test/e2e/support.js';
import { runChaosScenario, type ChaosOutcome } from '../test/support/chaos-scenario.js';
import type { BenchOptions, BenchResult, BenchRow } from './support/result.js';

const DEFAULT_SEED = 20261129;
const PROVIDERS = { quick: 10, full: 100 };

function invariant(goal: string, metric: string, measured: number): BenchRow {
  return { goal, metric, measured, target: 0, unit: '', better: 'lower' };
}

function invariantRows(outcome: ChaosOutcome): BenchRow[] {
  return [
    invariant('every acknowledged provider ends READY or FAILED', 'acknowledged providers neither READY nor FAILED', outcome.notSettled.length),
    invariant('every FAILED provider has a reason', 'FAILED without a reason', outcome.failedWithoutReason.length),
    invariant('one role per READY provider', 'READY providers without exactly one role', outcome.readyWithoutOneRole.length),
    invariant('nothing left for a FAILED provider', 'roles and policies of FAILED providers', outcome.resourcesOfFailed.length),
    invariant('no orphans in any member account', 'roles and CAPA policies no READY provider owns', outcome.orphans.length),
    invariant('no External ID in any log line or event', 'External IDs found', outcome.leakedExternalIds.length),
  ];
}

function countRows(outcome: ChaosOutcome, quick: boolean): BenchRow[] {
  const failed = Object.values(outcome.failedByReason).flat().length;
  const count = (goal: string, metric: string, measured: number, target: number, better: BenchRow['better']): BenchRow => ({
    goal,
    metric,
    measured,
    target,
    unit: '',
    better,
  });
  return [
    count('every provider POSTed is acknowledged', 'API providers acknowledged (202)', outcome.acknowledged.filter((id) => id.startsWith('chaos.')).length, outcome.planned.length, 'higher'),
    count('every account created is onboarded', 'new-account providers', outcome.acknowledged.filter((id) => id.startsWith('default.aws-')).length, outcome.accounts.length, 'higher'),
    // Transient faults fail no provider: only the stopped one ends FAILED.
    count('transient faults fail no provider', 'READY', outcome.ready.length, outcome.acknowledged.length - 1, 'higher'),
    count('transient faults fail no provider', 'FAILED', failed, 1, 'lower'),
    ...Object.entries(outcome.failedByReason).map(([reason, ids]) =>
      count('FAILED by reason', `FAILED ${reason}`, ids.length, reason === 'EXECUTION_ABORTED' ? 1 : 0, 'lower'),
    ),
    { goal: quick ? 'fits a CI run' : 'a large run stays practical', metric: 'scenario duration', measured: outcome.durationMs / 1000, target: quick ? 120 : 900, unit: 's', better: 'lower' },
  ];
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  ensureSynthesized();
  const seed = process.env.CHAOS_SEED !== undefined ? Number(process.env.CHAOS_SEED) : DEFAULT_SEED;
  const providers = options.quick ? PROVIDERS.quick : PROVIDERS.full;
  const outcome = await runChaosScenario({
    seed,
    providers,
    settleTimeoutMs: options.quick ? 120_000 : 900_000,
    progress: (line) => console.log(`  ${line}`),
  });
  const { planned: _planned, ...samples } = outcome;
  return {
    name: 'chaos',
    title: `Chaos: ${providers} providers in ${outcome.accounts.length} accounts, seed ${seed} (CHAOS_SEED=${seed} replays the plan)`,
    rows: [...invariantRows(outcome), ...countRows(outcome, options.quick)],
    samples,
    notes: [
      `seed ${seed}; faults ${outcome.faults}`,
      `POST answers by status (0: no answer, the cloud was killed): ${JSON.stringify(outcome.postAnswers)}`,
      `stopped ${outcome.stopped?.providerId ?? 'none'} while ${outcome.stopped?.statusAtStop ?? '-'}; killed ${outcome.killedAfterMs} ms into the second half of the POSTs`,
      `searched ${outcome.externalIdsSearched} External IDs in ${outcome.logLinesSearched} log lines and ${outcome.eventsSearched} events`,
      `operator actions after the kill (what the README prescribes, counted, not failures): POSTed again in flight with nothing running ${JSON.stringify(outcome.operator.repostedStuck)}; ` +
        `new-account providers POSTed because the event never created them ${JSON.stringify(outcome.operator.postedMissing)}`,
    ],
  };
}
