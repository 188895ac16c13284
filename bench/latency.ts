// Verification at the IAM propagation limit. For fixed propagation delays, onboardings through the
// API on the local cloud: POST → READY minus the delay (median and max per delay), the AssumeRole
// calls each onboarding's verification made while it waited (counted at the local STS endpoint),
// and the Lambda invocations and state transitions of each execution (from its history).
// Synthesize first: npm run synth.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_POLL_INTERVAL_MS } from '../functions/shared/adapters/verification.js';
import type { LocalCloud } from '../local/cloud.js';
import { seededRandom, throttlingError } from '../local/core/faults.js';
import { latencySvg, type DelaySeries } from './support/latency-svg.js';
import { onboard, startBenchCloud, type Onboarding } from './support/onboarding.js';
import { median, type BenchOptions, type BenchResult, type BenchRow } from './support/result.js';

const FULL = { delaysSeconds: [0, 1, 3, 8, 20, 45], runs: 5 };
const QUICK = { delaysSeconds: [0, 3], runs: 2 };
const TARGET = { medianSeconds: 0.5, maxSeconds: 1.5, assumeRolePerSecond: 2, invocations: 6, transitions: 8, costUpToDelaySeconds: 20 };
/** The throttled round: STS throttles this share of AssumeRole calls while onboardings wait this long. */
const THROTTLED = { probability: 0.5, delaySeconds: 8, seed: 20261129, longestBackoffSeconds: MAX_POLL_INTERVAL_MS / 1000 };
/**
 * Onboardings of one delay run at most this many at once: the local Lambda runs at most 4
 * invocations of a function at a time (one worker each), and verification holds its worker while
 * it waits, so a fifth would queue behind it and measure the queue instead of the design.
 */
const AT_ONCE = 4;
/** Onboardings started together are this far apart, so their first steps do not run in lockstep. */
const STAGGER_MS = 100;
/** The API is asked this often whether the provider is READY; READY's time is the registry's own. */
const API_POLL_MS = 250;

interface AssumeRoleCall {
  at: number;
  roleArn: string;
  withExternalId: boolean;
  status: number;
}

interface Sample extends Onboarding {
  delaySeconds: number;
  /** POST → READY (recorded) minus the delay. */
  overheadSeconds: number;
  /** READY recorded minus the instant local IAM let the role be assumed. */
  afterAssumableSeconds: number;
  /** AssumeRole calls with the External ID (the verification's polls) for this role. */
  polls: number;
  /** Most polls in any 1 s window [t, t + 1 s). */
  peakPollsPerSecond: number;
  /** (polls - 1) over the time from the first poll to the last. */
  meanPollsPerSecond: number;
}

interface StsRecorder {
  calls: AssumeRoleCall[];
  /** Share of AssumeRole calls answered ThrottlingException (counted like any other call). */
  throttle: number;
}

/**
 * Records every AssumeRole the local STS endpoint answers (the facade's handler, wrapped in place),
 * and throttles a share of them when asked: the cloud's own fault injection answers before the
 * handler, so its throttled calls would not be counted per role.
 */
function recordAssumeRole(cloud: LocalCloud): StsRecorder {
  const recorder: StsRecorder = { calls: [], throttle: 0 };
  const { calls } = recorder;
  const random = seededRandom(THROTTLED.seed);
  const handle = cloud.iam.handleSts.bind(cloud.iam);
  cloud.iam.handleSts = async (request) => {
    const call = { at: Date.now(), roleArn: String(request.params.RoleArn), withExternalId: request.params.ExternalId !== undefined };
    if (request.action === 'AssumeRole' && recorder.throttle > 0 && random() < recorder.throttle) {
      calls.push({ ...call, status: 400 });
      throw throttlingError('sts', 'AssumeRole');
    }
    try {
      const response = await handle(request);
      if (request.action === 'AssumeRole') calls.push({ ...call, status: response.status });
      return response;
    } catch (error) {
      if (request.action === 'AssumeRole') calls.push({ ...call, status: (error as { status?: number }).status ?? 500 });
      throw error;
    }
  };
  return recorder;
}

function pollRates(times: number[]): { peak: number; mean: number } {
  const peak = Math.max(0, ...times.map((start) => times.filter((at) => at >= start && at < start + 1_000).length));
  const span = (times.at(-1)! - times[0]!) / 1000;
  return { peak, mean: times.length > 1 && span > 0 ? (times.length - 1) / span : 0 };
}

async function measure(cloud: LocalCloud, { calls }: StsRecorder, delaySeconds: number, runs: number, round: string): Promise<Sample[]> {
  cloud.iam.setPropagationDelay(() => delaySeconds * 1000);
  const queue = Array.from({ length: runs }, (_, index) => index);
  const onboardings: Onboarding[] = [];
  await Promise.all(
    Array.from({ length: Math.min(AT_ONCE, runs) }, async (_, lane) => {
      await new Promise((resolve) => setTimeout(resolve, lane * STAGGER_MS));
      for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
        onboardings.push(await onboard(cloud, 'latency', `${round}-${index}`, API_POLL_MS));
      }
    }),
  );
  return onboardings.map((sample) => {
    const polls = calls.filter((call) => call.roleArn === sample.roleArn && call.withExternalId).map((call) => call.at).sort((a, b) => a - b);
    const roleName = sample.roleArn.split('/').at(-1)!;
    const assumableAt = Date.parse(cloud.iam.getRole(sample.accountId, roleName)!.assumableAt);
    const rates = pollRates(polls);
    return {
      ...sample,
      delaySeconds,
      overheadSeconds: sample.recordedSeconds - delaySeconds,
      afterAssumableSeconds: (sample.postedAt + sample.recordedSeconds * 1000 - assumableAt) / 1000,
      polls: polls.length,
      peakPollsPerSecond: rates.peak,
      meanPollsPerSecond: rates.mean,
    };
  });
}

function rows(samples: Sample[], delays: number[], throttled: Sample[]): BenchRow[] {
  const result: BenchRow[] = [];
  for (const delay of delays) {
    const overheads = samples.filter((sample) => sample.delaySeconds === delay).map((sample) => sample.overheadSeconds);
    result.push(
      { goal: 'latency at the limit', metric: `delay ${delay} s: POST→READY − delay, median`, measured: median(overheads), target: TARGET.medianSeconds, unit: 's', better: 'lower' },
      { goal: 'latency at the limit', metric: `delay ${delay} s: POST→READY − delay, max`, measured: Math.max(...overheads), target: TARGET.maxSeconds, unit: 's', better: 'lower' },
    );
  }
  const costed = samples.filter((sample) => sample.delaySeconds <= TARGET.costUpToDelaySeconds);
  const calm = samples.filter((sample) => sample.delaySeconds === THROTTLED.delaySeconds);
  const meanRate = (of: Sample[]) => median(of.map((sample) => sample.meanPollsPerSecond));
  result.push(
    { goal: 'bounded cost', metric: 'AssumeRole calls per second while waiting, peak in any 1 s (max)', measured: Math.max(...samples.map((sample) => sample.peakPollsPerSecond)), target: TARGET.assumeRolePerSecond, unit: '/s', better: 'lower' },
    { goal: 'bounded cost', metric: 'AssumeRole calls per second while waiting, mean (max)', measured: Math.max(...samples.map((sample) => sample.meanPollsPerSecond)), target: TARGET.assumeRolePerSecond, unit: '/s', better: 'lower' },
    { goal: 'bounded cost', metric: `Lambda invocations per onboarding, delays ≤ ${TARGET.costUpToDelaySeconds} s (max)`, measured: Math.max(...costed.map((sample) => sample.invocations)), target: TARGET.invocations, unit: '', better: 'lower' },
    { goal: 'bounded cost', metric: `state transitions per onboarding, delays ≤ ${TARGET.costUpToDelaySeconds} s (max)`, measured: Math.max(...costed.map((sample) => sample.transitions)), target: TARGET.transitions, unit: '', better: 'lower' },
  );
  if (throttled.length > 0) {
    const percent = Math.round(THROTTLED.probability * 100);
    result.push(
      { goal: 'bounded cost', metric: `STS throttling ${percent}%, delay ${THROTTLED.delaySeconds} s: AssumeRole calls per second while waiting, mean (max)`, measured: Math.max(...throttled.map((sample) => sample.meanPollsPerSecond)), target: TARGET.assumeRolePerSecond, unit: '/s', better: 'lower' },
      ...(calm.length > 0
        ? [{ goal: 'bounded cost', metric: `STS throttling ${percent}%: mean call rate (median) relative to no throttling at the same delay`, measured: meanRate(throttled) / meanRate(calm), target: 1, unit: '×', better: 'lower' as const }]
        : []),
      // Backing off costs latency by design. After the limit a call gets through with probability
      // 1 − p, so 1 / (1 − p) calls are expected, each at most one longest backoff interval apart:
      // a bound on the expected wait, so it is compared with the median (the longest run is a note;
      // three throttled calls in a row already wait 3 × 8 s).
      { goal: 'latency at the limit', metric: `STS throttling ${percent}%, delay ${THROTTLED.delaySeconds} s: POST→READY − delay, median`, measured: median(throttled.map((sample) => sample.overheadSeconds)), target: THROTTLED.longestBackoffSeconds / (1 - THROTTLED.probability), unit: 's', better: 'lower' },
    );
  }
  return result;
}

function series(samples: Sample[], delays: number[]): DelaySeries[] {
  return delays.map((delaySeconds) => {
    const overheads = samples.filter((sample) => sample.delaySeconds === delaySeconds).map((sample) => sample.overheadSeconds);
    return { delaySeconds, overheads, median: median(overheads), max: Math.max(...overheads) };
  });
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
  const { delaysSeconds, runs } = quick ? QUICK : FULL;
  const cloud = await startBenchCloud();
  const calls = recordAssumeRole(cloud);
  const samples: Sample[] = [];
  let throttled: Sample[] = [];
  try {
    // Warm-up, not counted: as many Lambda workers of each function as one round uses.
    await measure(cloud, calls, 0, runs, 'warm-up');
    for (const delay of delaysSeconds) {
      const round = await measure(cloud, calls, delay, runs, `delay-${delay}`);
      samples.push(...round);
      console.log(
        `delay ${delay} s: overhead ${round.map((sample) => sample.overheadSeconds.toFixed(2)).join(', ')} s; ` +
          `${round.map((sample) => sample.polls).join(', ')} polls; ${round.map((sample) => sample.invocations).join(', ')} invocations`,
      );
    }
    calls.throttle = THROTTLED.probability;
    throttled = await measure(cloud, calls, THROTTLED.delaySeconds, runs, 'throttled');
    calls.throttle = 0;
    console.log(`throttled ${THROTTLED.probability * 100}%, delay ${THROTTLED.delaySeconds} s: ${throttled.map((sample) => sample.meanPollsPerSecond.toFixed(2)).join(', ')} AssumeRole/s`);
  } finally {
    await cloud.close();
  }
  const chart = series(samples, delaysSeconds);
  const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, 'latency.svg'),
    latencySvg(chart, { median: TARGET.medianSeconds, max: TARGET.maxSeconds }, `${runs} onboardings per delay (${Math.min(AT_ONCE, runs)} at a time), local cloud, ${new Date().toISOString().slice(0, 10)}`),
  );
  const afterAssumable = samples.map((sample) => sample.afterAssumableSeconds);
  return {
    name: 'latency',
    title: `Verification at the IAM propagation limit: fixed delays ${delaysSeconds.join(', ')} s, ${runs} onboardings each (${Math.min(AT_ONCE, runs)} at a time)`,
    rows: rows(samples, delaysSeconds, throttled),
    samples: { delays: chart, onboardings: samples, throttled },
    notes: [
      'POST→READY: from sending the POST to the READY the registry records (the provider\'s updatedAt); the API is polled every 250 ms only to see it',
      `READY after the role became assumable in local IAM: median ${median(afterAssumable).toFixed(2)} s, max ${Math.max(...afterAssumable).toFixed(2)} s`,
      `client-observed POST→READY (polling every ${API_POLL_MS} ms) is up to one poll later: median overhead ${median(samples.map((sample) => sample.seconds - sample.delaySeconds)).toFixed(2)} s`,
      'AssumeRole calls counted at the local STS endpoint: those with the External ID for the onboarding\'s role (the probe without it follows success)',
      'a warm-up round (delay 0, not counted) starts the Lambda workers first; chart: bench/results/latency.svg',
      `throttled round: ${THROTTLED.probability * 100}% of AssumeRole calls answered ThrottlingException (seeded), delay ${THROTTLED.delaySeconds} s; throttled calls count toward the call rate` +
        (throttled.length > 0 ? `; POST→READY − delay ${throttled.map((sample) => sample.overheadSeconds.toFixed(2)).join(', ')} s` : ''),
    ],
  };
}
