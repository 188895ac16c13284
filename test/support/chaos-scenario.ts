// The seeded chaos scenario, shared by test/e2e/chaos.e2e.test.ts and `npm run bench -- chaos`.
// On the local cloud in a child process with faults on every service the product calls, it
// onboards providers through the API (duplicate POSTs, some concurrent) and through new-account
// events, stops one onboarding (StopExecution) while its create-role step runs, kills the cloud
// outright (kill -9) while onboardings run and member accounts are being created, restarts it from
// its state directory, lets everything settle as a client and an operator would
// (chaos-settle.ts), then collects what the invariants are checked against (chaos-inspection.ts).
//
// The seed fixes the plan: accounts, which account each provider targets, which providers supply an
// External ID, how many times and how (concurrently or one after another) each is POSTed, which
// provider is stopped, when the cloud is killed, and the fault injector's seeds. Timing on a loaded
// machine still varies, so two runs of one seed need not fail the same calls.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { seededRandom } from '../../local/core/faults.js';
import { killOutright, spawnCloudProcess, type CloudProcess, type CloudProcessOptions } from './cloud-process.js';
import {
  createMemberAccount,
  deliveredEvents,
  onboardingStateMachineArn,
  postProvider,
  getProvider,
  stopExecution,
  subscribeToEvents,
  type ProviderRequestBody,
} from './chaos-clients.js';
import { inspect, type ChaosInspection } from './chaos-inspection.js';
import { settle, type OperatorActions } from './chaos-settle.js';

/** Throttling and 5xx on every service the product calls, plus latency on the IAM writes a stop can land in. */
export const CHAOS_FAULTS = [
  'iam:*=throttle:0.1', 'iam:*=error5xx:0.05', 'iam:CreateRole=latency:500-2500', 'iam:CreatePolicy=latency:200-1500',
  'sts:*=throttle:0.1', 'sts:*=error5xx:0.05',
  'dynamodb:*=throttle:0.05', 'dynamodb:*=error5xx:0.03',
  'events:*=throttle:0.05', 'events:*=error5xx:0.03',
  'states:*=throttle:0.05', 'states:*=error5xx:0.03',
  'lambda:Invoke=throttle:0.03', 'lambda:Invoke=error5xx:0.02',
].join(';');

export interface ChaosOptions {
  seed: number;
  /**
   * Providers onboarded through the API, in a quarter as many member accounts; an eighth as many
   * more accounts are created while the cloud is about to be killed. Each account is also
   * onboarded by its new-account event.
   */
  providers: number;
  /** How long the settle phase may take before the scenario gives up waiting. */
  settleTimeoutMs: number;
  /** Progress lines (the test and the bench print them). */
  progress?: (line: string) => void;
}

export interface PlannedProvider {
  providerId: string;
  body: ProviderRequestBody;
  copies: number;
  concurrent: boolean;
}

export interface ChaosOutcome extends ChaosInspection {
  seed: number;
  faults: string;
  accounts: string[];
  planned: PlannedProvider[];
  /** Providers the cloud acknowledged: a 202 to one of its POSTs, or its account's new-account event. */
  acknowledged: string[];
  /** POST answers by status (0: no answer, the cloud was killed). */
  postAnswers: Record<string, number>;
  stopped: { providerId: string; statusAtStop: string } | undefined;
  killedAfterMs: number;
  operator: OperatorActions;
  durationMs: number;
}

/** What the seed decides, before anything runs. */
export function planScenario(seed: number, providers: number): { accountCount: number; lateAccountCount: number; planned: PlannedProvider[]; pick: () => number } {
  const random = seededRandom(seed);
  const accountCount = Math.max(1, Math.ceil(providers / 4));
  const lateAccountCount = Math.max(1, Math.ceil(providers / 8));
  const planned = Array.from({ length: providers }, (_, index): PlannedProvider => {
    const name = `p${index + 1}`;
    const accountIndex = Math.floor(random() * accountCount);
    const supplied = random() < 0.5 ? `chaos-${seed}-${name}-${Math.floor(random() * 1e9).toString(36)}-supplied` : undefined;
    return {
      providerId: `chaos.${name}`,
      body: { workspace: 'chaos', name, accountId: String(accountIndex), ...(supplied !== undefined ? { externalId: supplied } : {}) },
      copies: 1 + Math.floor(random() * 3),
      concurrent: random() < 0.6,
    };
  });
  return { accountCount, lateAccountCount, planned, pick: random };
}

function tally(answers: number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const status of answers) counts[String(status)] = (counts[String(status)] ?? 0) + 1;
  return counts;
}

/** POSTs one provider `copies` times, all at once or one after another; the statuses answered. */
async function postCopies(cloud: CloudProcess, provider: PlannedProvider): Promise<number[]> {
  if (provider.concurrent) return Promise.all(Array.from({ length: provider.copies }, () => postProvider(cloud, provider.body)));
  const answers: number[] = [];
  for (let copy = 0; copy < provider.copies; copy += 1) answers.push(await postProvider(cloud, provider.body));
  return answers;
}

/** Runs `work` over the items, at most `limit` at a time. */
async function inPool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const POST_CONCURRENCY = 8;
const STOP_WINDOW_MS = 30_000;

class Run {
  readonly output: string[] = [];
  readonly answers: number[] = [];
  readonly acknowledged = new Set<string>();
  /** Member accounts whose CreateAccount was answered: each one's new-account event was accepted. */
  readonly accounts: string[] = [];
  readonly stateDir = mkdtempSync(join(tmpdir(), 'capa-chaos-'));
  cloud: CloudProcess | undefined;

  readonly progress: (line: string) => void;

  constructor(readonly options: ChaosOptions) {
    this.progress = options.progress ?? (() => undefined);
  }

  cloudOptions(faultSeed: number): CloudProcessOptions {
    return {
      stateDir: this.stateDir,
      propagationDelayMs: [200, 2_500],
      faults: CHAOS_FAULTS,
      faultSeed,
      retryIntervalScale: 0.05,
      functionEnvironment: { POWERTOOLS_LOG_LEVEL: 'DEBUG' },
    };
  }

  async post(provider: PlannedProvider): Promise<void> {
    const answers = await postCopies(this.cloud!, provider);
    this.answers.push(...answers);
    if (answers.includes(202)) this.acknowledged.add(provider.providerId);
  }

  /** Resolves once the cloud's output holds, since line `from`, a log line about the provider with one of `texts` (bounded). */
  async logged(providerId: string, texts: string[], from: number): Promise<boolean> {
    const deadline = Date.now() + STOP_WINDOW_MS;
    const about = `"providerId":"${providerId}"`;
    while (Date.now() < deadline) {
      if (this.output.slice(from).some((line) => line.includes(about) && texts.some((text) => line.includes(text)))) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }

  /**
   * Stops the provider's execution while its create-role step runs (it has logged "Ensuring provider
   * role" and is creating the role, slowed by the injected latency), then waits for that step to end:
   * AWS lets a running step finish, and what it finishes must not outlive the FAILED attempt.
   */
  async stopWhileCreatingRole(provider: PlannedProvider): Promise<ChaosOutcome['stopped']> {
    const from = this.output.length;
    // POSTed once: a duplicate answered after the stop would rightly start the next attempt (the
    // execution no longer runs), and the provider would end READY, not FAILED. Duplicates are
    // exercised by every other provider.
    const posting = this.post({ ...provider, copies: 1, concurrent: false });
    const running = await this.logged(provider.providerId, ['Ensuring provider role'], from);
    const view = await getProvider(this.cloud!, provider.providerId);
    let stopped: ChaosOutcome['stopped'];
    if (running && typeof view === 'object') {
      await stopExecution(this.cloud!, view.executionArn);
      stopped = { providerId: provider.providerId, statusAtStop: view.status };
      await this.logged(provider.providerId, ['Provider role in place', 'Invocation failed'], from);
    }
    await posting;
    return stopped;
  }

  /** Waits (bounded) until the provider is READY or FAILED: a stopped one, once execution-ended has run. */
  async untilSettled(providerId: string): Promise<void> {
    const deadline = Date.now() + STOP_WINDOW_MS;
    while (Date.now() < deadline) {
      const view = await getProvider(this.cloud!, providerId);
      if (typeof view === 'object' && (view.status === 'READY' || view.status === 'FAILED')) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** POSTs every provider not acknowledged yet, as a client retries a request that got no 202. */
  async retryUnacknowledged(planned: PlannedProvider[]): Promise<void> {
    for (let round = 0; round < 5; round += 1) {
      const pending = planned.filter((provider) => !this.acknowledged.has(provider.providerId));
      if (pending.length === 0) return;
      await inPool(pending, POST_CONCURRENCY, (provider) => this.post({ ...provider, copies: 1, concurrent: false }));
    }
  }
}

/** Phase 1: the member accounts, then the first half of the POSTs, one onboarding stopped while it runs. */
async function firstPhase(run: Run, plan: ReturnType<typeof planScenario>) {
  const { seed } = run.options;
  for (let index = 0; index < plan.accountCount; index += 1) run.accounts.push(await createMemberAccount(run.cloud!, `chaos-${seed}-${index}`));
  const planned = plan.planned.map((provider) => ({ ...provider, body: { ...provider.body, accountId: run.accounts[Number(provider.body.accountId)]! } }));
  const half = Math.ceil(planned.length / 2);
  const stopTarget = planned[Math.floor(plan.pick() * half)]!;
  const stopped = await run.stopWhileCreatingRole(stopTarget);
  await run.untilSettled(stopTarget.providerId);
  await inPool(planned.slice(0, half).filter((provider) => provider !== stopTarget), POST_CONCURRENCY, (provider) => run.post(provider));
  return { planned, half, stopTarget, stopped };
}

/**
 * Phase 2: the second half of the POSTs, and more member accounts (their new-account events then
 * run while the cloud dies), with the cloud killed outright (kill -9) while they run.
 */
async function secondPhase(run: Run, plan: ReturnType<typeof planScenario>, planned: PlannedProvider[], half: number): Promise<number> {
  const killedAfterMs = Math.round(500 + plan.pick() * 1_500);
  const posting = inPool(planned.slice(half), POST_CONCURRENCY, (provider) => run.post(provider));
  const creatingAccounts = (async () => {
    for (let index = 0; index < plan.lateAccountCount; index += 1) {
      // An account whose CreateAccount got no answer was not acknowledged: the kill came first.
      const accountId = await createMemberAccount(run.cloud!, `chaos-${run.options.seed}-late-${index}`).catch(() => undefined);
      if (accountId !== undefined) run.accounts.push(accountId);
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, killedAfterMs));
  await killOutright(run.cloud);
  await Promise.all([posting, creatingAccounts]);
  return killedAfterMs;
}

/** Phase 3: restarted from the state directory; clients retry, a few duplicates come late, operators converge what is stuck. */
async function thirdPhase(run: Run, plan: ReturnType<typeof planScenario>, planned: PlannedProvider[], stopTarget: PlannedProvider, onboardingArn: string) {
  run.cloud = await spawnCloudProcess(run.cloudOptions(run.options.seed + 1), run.output);
  // A POST of the stopped provider would start its next attempt (even a retry of a POST whose answer
  // was a 503 under the faults): it is left FAILED, with what it left behind.
  await run.retryUnacknowledged(planned.filter((provider) => provider !== stopTarget));
  const lateDuplicates = planned.filter((provider) => plan.pick() < 0.3 && provider !== stopTarget);
  await inPool(lateDuplicates, POST_CONCURRENCY, (provider) => run.post({ ...provider, concurrent: true, copies: 2 }));
  const eventProviders = run.accounts.map((accountId) => ({ providerId: `default.aws-${accountId}`, body: { workspace: 'default', name: `aws-${accountId}`, accountId } }));
  const operator = await settle(run.cloud, [...planned, ...eventProviders], onboardingArn, run.options.settleTimeoutMs, run.progress);
  return { eventProviders, operator };
}

export async function runChaosScenario(options: ChaosOptions): Promise<ChaosOutcome> {
  const started = performance.now();
  const plan = planScenario(options.seed, options.providers);
  const run = new Run(options);
  try {
    run.cloud = await spawnCloudProcess(run.cloudOptions(options.seed), run.output);
    const onboardingArn = await onboardingStateMachineArn(run.cloud);
    const captureArn = await subscribeToEvents(run.cloud, onboardingArn, 'chaos-capture');
    const { planned, half, stopTarget, stopped } = await firstPhase(run, plan);
    run.progress(`phase 1: ${run.acknowledged.size} acknowledged, stopped ${stopped?.providerId ?? 'none'} while ${stopped?.statusAtStop ?? '-'}`);
    const killedAfterMs = await secondPhase(run, plan, planned, half);
    run.progress(`killed after ${killedAfterMs} ms; ${run.acknowledged.size} acknowledged, ${run.accounts.length} accounts`);
    const { eventProviders, operator } = await thirdPhase(run, plan, planned, stopTarget, onboardingArn);
    run.progress(`settled: ${JSON.stringify(operator)}`);

    const events = await deliveredEvents(run.cloud!, captureArn);
    const acknowledged = [...planned.filter((provider) => run.acknowledged.has(provider.providerId)), ...eventProviders].map((provider) => provider.providerId);
    const suppliedExternalIds = planned.flatMap((provider) => provider.body.externalId ?? []);
    const inspection = await inspect(run.cloud!, { acknowledged, accounts: run.accounts, suppliedExternalIds, output: run.output, events });
    return {
      seed: options.seed,
      faults: CHAOS_FAULTS,
      accounts: run.accounts,
      planned,
      acknowledged,
      postAnswers: tally(run.answers),
      stopped,
      killedAfterMs,
      operator,
      durationMs: Math.round(performance.now() - started),
      ...inspection,
    };
  } finally {
    await killOutright(run.cloud);
    rmSync(run.stateDir, { recursive: true, force: true });
  }
}
