// Sweep: the fleet health sweep over N READY providers on an in-process local cloud (the
// synthesized stack, IAM propagation delay 0). The fleet is onboarded through the API first
// (bench/support/fleet.ts); then the sweep state machine is started with the SDK, as its schedule
// would, and measured as a client and operator see it: wall time until it ends, the busiest second
// of STS and IAM requests the local cloud's endpoint dispatched, and the state transitions and
// Lambda invocations per provider read from the histories (the sweep's and every child execution's
// of its Map Runs, through ListMapRuns / ListExecutions / GetExecutionHistory).
// Alone: node --import tsx bench/run.ts sweep [--quick]
import { performance } from 'node:perf_hooks';
import {
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import type { LocalCloud } from '../local/cloud.js';
import { ensureSynthesized } from '../test/e2e/support.js';
import { seedFleet } from './support/fleet.js';
import { SWEEP_DEFAULTS } from '../lib/sweep-config.js';
import { startBenchCloud } from './support/onboarding.js';
import type { BenchOptions, BenchResult, BenchRow } from './support/result.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const PROVIDERS = { quick: 40, full: 1_000 };
/** Wall-time budget per provider: 1,000 providers in 5 minutes, 72,000 within the 6-hour schedule. */
const TARGET_SECONDS_PER_PROVIDER = 0.3;
/** The stack's default sweepConcurrency (lib/sweep-config.ts): children, so check-provider invocations, at once. */
const SWEEP_CONCURRENCY = SWEEP_DEFAULTS.sweepConcurrency;
/**
 * Request budgets per second the sweep's concurrency (20) must keep: far below STS's and IAM's
 * request quotas, so a sweep never throttles onboardings running at the same time.
 */
const TARGET_PEAK_STS_PER_SECOND = 100;
const TARGET_PEAK_IAM_PER_SECOND = 200;
/** Per provider: its child's 5 states (2 Lambda tasks); the sweep's own 7 states per page amortised. */
const TARGET_TRANSITIONS_PER_PROVIDER = 5.5;
const TARGET_INVOCATIONS_PER_PROVIDER = 2.1;

interface Cost {
  transitions: number;
  invocations: number;
}

/** Billed state transitions (states entered plus task retries) and Lambda tasks scheduled of one history. */
function costOf(events: HistoryEvent[]): Cost {
  const count = (predicate: (type: string) => boolean) => events.filter((event) => predicate(event.type ?? '')).length;
  const invocations = count((type) => type === 'LambdaFunctionScheduled');
  const retries = invocations - count((type) => type === 'TaskStateEntered');
  return { transitions: count((type) => type.endsWith('StateEntered')) + retries, invocations };
}

async function history(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The child executions of every Map Run the sweep execution started. */
async function childExecutions(sfn: SFNClient, executionArn: string): Promise<{ mapRuns: number; children: string[] }> {
  const { mapRuns = [] } = await sfn.send(new ListMapRunsCommand({ executionArn, maxResults: 1000 }));
  const children: string[] = [];
  for (const { mapRunArn } of mapRuns) {
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ mapRunArn, maxResults: 1000, nextToken }));
      children.push(...(page.executions ?? []).map((execution) => execution.executionArn!));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return { mapRuns: mapRuns.length, children };
}

function sweepStateMachineArn(cloud: LocalCloud): string {
  const machine = Object.values(cloud.stack.resources).find(
    (resource) => resource.type === 'AWS::StepFunctions::StateMachine' && resource.logicalId.startsWith('FleetSweep'),
  );
  if (machine?.arn === undefined) throw new Error('The stack has no sweep state machine');
  return machine.arn;
}

interface SweepSummaryOutput {
  providers: number;
  byStatus: Record<string, number>;
  failed: number;
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  ensureSynthesized();
  const count = options.quick ? PROVIDERS.quick : PROVIDERS.full;
  // As many check-provider invocations at once as the sweep runs children (AWS's Lambda would):
  // each check is paced to last at least minCheckMs, and 4 workers would cap the rate instead.
  const cloud = await startBenchCloud({ propagationDelayMs: [0, 0], schedules: false, lambdaConcurrency: SWEEP_CONCURRENCY });
  const sfn = new SFNClient({ endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials });
  try {
    const fleet = await seedFleet(cloud, count, { log: (line) => console.log(`  ${line}`) });
    console.log(`  seeded ${count} READY providers in ${fleet.seconds.toFixed(0)} s; sweeping`);
    // The per-second peaks count whole seconds: start in a fresh one, after the seeding's last.
    await new Promise((resolve) => setTimeout(resolve, 1_000 - (Date.now() % 1_000) + 10));
    const before = { sts: cloud.requests.total('sts'), iam: cloud.requests.total('iam') };
    const startedAt = Date.now();
    const started = performance.now();
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: sweepStateMachineArn(cloud), input: '{}' }));
    const ended = await cloud.sfn.waitForExecution(executionArn!);
    const seconds = (performance.now() - started) / 1000;
    if (ended.status !== 'SUCCEEDED') throw new Error(`The sweep ended ${ended.status}: ${ended.error ?? ''} ${ended.cause ?? ''}`);
    const summary = JSON.parse(ended.output ?? '{}') as SweepSummaryOutput;
    if (summary.providers !== count || summary.byStatus.READY !== count) throw new Error(`The sweep summarised ${JSON.stringify(summary)}, not ${count} READY providers`);
    const requests = {
      sts: cloud.requests.total('sts') - before.sts,
      iam: cloud.requests.total('iam') - before.iam,
      peakSts: cloud.requests.peakPerSecond('sts', startedAt),
      peakIam: cloud.requests.peakPerSecond('iam', startedAt),
    };
    const { mapRuns, children } = await childExecutions(sfn, executionArn!);
    const parent = costOf(await history(sfn, executionArn!));
    const total = { ...parent };
    for (const child of children) {
      const cost = costOf(await history(sfn, child));
      total.transitions += cost.transitions;
      total.invocations += cost.invocations;
    }
    const rows: BenchRow[] = [
      { goal: 'a fleet sweep fits its schedule', metric: `wall time, ${count} providers`, measured: seconds, target: count * TARGET_SECONDS_PER_PROVIDER, unit: 's', better: 'lower' },
      { goal: 'IAM and STS never flooded', metric: 'peak STS requests per second', measured: requests.peakSts, target: TARGET_PEAK_STS_PER_SECOND, unit: '/s', better: 'lower' },
      { goal: 'IAM and STS never flooded', metric: 'peak IAM requests per second', measured: requests.peakIam, target: TARGET_PEAK_IAM_PER_SECOND, unit: '/s', better: 'lower' },
      { goal: 'bounded cost', metric: 'state transitions per provider (sweep + children, retries included)', measured: total.transitions / count, target: TARGET_TRANSITIONS_PER_PROVIDER, unit: '', better: 'lower' },
      { goal: 'bounded cost', metric: 'Lambda invocations per provider', measured: total.invocations / count, target: TARGET_INVOCATIONS_PER_PROVIDER, unit: '', better: 'lower' },
    ];
    return {
      name: 'sweep',
      title: `Fleet sweep: ${count} READY providers, Distributed Map (concurrency 20, pages of 500), on the in-process local cloud`,
      rows,
      samples: { providers: count, seedSeconds: fleet.seconds, accounts: fleet.accountIds.length, sweepSeconds: seconds, mapRuns, children: children.length, parent, total, requests, summary },
      notes: [
        `seeded through the API in ${fleet.seconds.toFixed(0)} s (${fleet.accountIds.length} member accounts, 10 providers each); IAM propagation delay 0`,
        `${mapRuns} Map Runs, ${children.length} child executions; the sweep's own history: ${parent.transitions} transitions, ${parent.invocations} Lambda invocations`,
        `requests during the sweep: STS ${requests.sts} (${(requests.sts / count).toFixed(2)} per provider), IAM ${requests.iam} (${(requests.iam / count).toFixed(2)} per provider)`,
        'budgets: 0.3 s per provider (1,000 in 5 minutes); 100 STS and 200 IAM requests per second, well inside the services\' request quotas',
      ],
    };
  } finally {
    sfn.destroy();
    await cloud.close();
  }
}
