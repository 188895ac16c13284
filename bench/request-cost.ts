// What one onboarding's AWS requests cost in CPU on this machine, and the floor that puts under the
// scale benchmark's "first POST → last READY". Two measurements on an in-process local cloud:
//  1. The requests an onboarding makes, by service, counted at the endpoint (propagation delay 0,
//     so no verification poll is repeated; API GETs are not sent, the execution is awaited inside).
//  2. Per service, one cheap read sent by the AWS SDK from a fresh Node process (a fresh V8 isolate,
//     as each Lambda sandbox has): the client's CPU per request over its first requests (a sandbox
//     of the scale run serves a few hundred) and once warm, and the endpoint's CPU per request.
// The floor per onboarding is the sum over its requests of client plus endpoint CPU, which leaves
// out everything else (Lambda, Step Functions, logs); the last READY of 1,000 cannot come sooner
// than that CPU spread over every core, plus the longest propagation delay.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LocalCloud } from '../local/cloud.js';
import type { ServiceName } from '../local/core/types.js';
import { signedFetch } from '../local/signed-fetch.js';
import { startBenchCloud } from './support/onboarding.js';
import type { BenchOptions, BenchResult } from './support/result.js';

const CLIENT = join(dirname(fileURLToPath(import.meta.url)), 'support', 'request-cost-client.mjs');
/** The services an onboarding calls that the client script has a request for. */
const MEASURED: ServiceName[] = ['dynamodb', 'iam', 'sts', 'states', 'events'];
const FULL = { onboardings: 10, fresh: 600, warmUp: 1_800, warm: 600 };
const QUICK = { onboardings: 3, fresh: 200, warmUp: 200, warm: 200 };
/** The scale benchmark's size, its longest propagation delay and its target for the last READY. */
const SCALE = { onboardings: 1_000, longestDelaySeconds: 5, lastReadySeconds: 15 };
/** Requests stop arriving for this long once an onboarding's execution and its events are over. */
const QUIET_MS = 500;

interface ServiceCost {
  service: ServiceName;
  /** Requests to this service per onboarding. */
  perOnboarding: number;
  /** SDK client CPU per request: over a fresh process's first requests, and warm. */
  freshMs: number;
  warmMs: number;
  /** The endpoint's CPU per request. */
  endpointMs: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const ALL_SERVICES: ServiceName[] = ['iam', 'sts', 'organizations', 'events', 'states', 'dynamodb', 'lambda', 'sqs'];

function totals(cloud: LocalCloud): Map<ServiceName, number> {
  return new Map(ALL_SERVICES.map((service) => [service, cloud.requests.total(service)]));
}

function grandTotal(cloud: LocalCloud): number {
  return ALL_SERVICES.reduce((sum, service) => sum + cloud.requests.total(service), 0);
}

/** POST one onboarding and wait for its execution, and the requests its events cause, to end. */
async function onboardQuietly(cloud: LocalCloud, name: string): Promise<void> {
  const { accountId } = cloud.iam.inviteAccount(`cost-${name}`, `cost-${name}-${Date.now()}@example.com`);
  const answer = await signedFetch(`${cloud.apiUrl}/workspaces/cost/providers`, { method: 'POST', body: { name, accountId } }, cloud.adminCredentials, cloud.region);
  const { executionArn } = answer.body as { executionArn?: string };
  if (answer.status !== 202 || executionArn === undefined) throw new Error(`POST ${name} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  const ended = await cloud.sfn.waitForExecution(executionArn);
  if (ended.status !== 'SUCCEEDED') throw new Error(`onboarding ${name} ended ${ended.status}`);
  for (let seen = grandTotal(cloud); ; ) {
    await sleep(QUIET_MS);
    const now = grandTotal(cloud);
    if (now === seen) return;
    seen = now;
  }
}

async function requestsPerOnboarding(cloud: LocalCloud, onboardings: number): Promise<Map<ServiceName, number>> {
  await onboardQuietly(cloud, 'warm-up');
  const before = totals(cloud);
  for (let index = 0; index < onboardings; index += 1) await onboardQuietly(cloud, `p${index}`);
  const after = totals(cloud);
  return new Map(ALL_SERVICES.map((service) => [service, (after.get(service)! - before.get(service)!) / onboardings]));
}

/** Runs the client for one service; the endpoint's CPU is this process's, otherwise idle meanwhile. */
async function measureService(cloud: LocalCloud, service: ServiceName, sizes: typeof FULL): Promise<{ freshMs: number; warmMs: number; endpointMs: number }> {
  const requests = 1 + sizes.fresh + sizes.warmUp + sizes.warm;
  const cpuBefore = process.cpuUsage();
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [CLIENT], {
      env: {
        PATH: process.env.PATH,
        ENDPOINT: cloud.endpoint,
        SERVICE: service,
        FRESH: String(sizes.fresh),
        WARM_UP: String(sizes.warmUp),
        WARM: String(sizes.warm),
        AWS_ACCESS_KEY_ID: cloud.adminCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: cloud.adminCredentials.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`request-cost client for ${service} exited ${code}:\n${stderr}`))));
  });
  const cpu = process.cpuUsage(cpuBefore);
  const { freshMs, warmMs } = JSON.parse(output) as { freshMs: number; warmMs: number };
  return { freshMs, warmMs, endpointMs: (cpu.user + cpu.system) / 1000 / requests };
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const sizes = options.quick ? QUICK : FULL;
  const cloud = await startBenchCloud({ propagationDelayMs: [0, 0], schedules: false });
  let counts: Map<ServiceName, number>;
  const costs: ServiceCost[] = [];
  try {
    counts = await requestsPerOnboarding(cloud, sizes.onboardings);
    for (const service of MEASURED) costs.push({ service, perOnboarding: counts.get(service)!, ...(await measureService(cloud, service, sizes)) });
  } finally {
    await cloud.close();
  }
  const cores = availableParallelism();
  const requests = [...counts.values()].reduce((sum, count) => sum + count, 0);
  const unmeasured = ALL_SERVICES.filter((service) => !MEASURED.includes(service) && counts.get(service)! > 0);
  const floorMs = (clientOf: (cost: ServiceCost) => number) => costs.reduce((sum, cost) => sum + cost.perOnboarding * (clientOf(cost) + cost.endpointMs), 0);
  const freshFloorMs = floorMs((cost) => cost.freshMs);
  const warmFloorMs = floorMs((cost) => cost.warmMs);
  const lastReady = (perOnboardingMs: number) => (SCALE.onboardings * perOnboardingMs) / 1000 / cores + SCALE.longestDelaySeconds;
  // The CPU per onboarding that would let 1,000 be READY by the target on these cores.
  const budgetMs = ((SCALE.lastReadySeconds - SCALE.longestDelaySeconds) * cores * 1000) / SCALE.onboardings;
  const goal = `floor under ${SCALE.onboardings} onboardings on ${cores} cores`;
  return {
    name: 'request-cost',
    title: 'AWS request cost: the CPU floor of an onboarding on this machine',
    rows: [
      { goal, metric: 'CPU per onboarding: its AWS requests, SDK in fresh sandboxes, plus the endpoint', measured: freshFloorMs, target: budgetMs, unit: 'ms', better: 'lower' },
      { goal, metric: 'CPU per onboarding: the same with a fully warm SDK', measured: warmFloorMs, target: budgetMs, unit: 'ms', better: 'lower' },
      { goal, metric: 'first POST → last READY at that floor (fresh sandboxes)', measured: lastReady(freshFloorMs), target: SCALE.lastReadySeconds, unit: 's', better: 'lower' },
    ],
    samples: { sizes, cores, requestsPerOnboarding: Object.fromEntries(counts), costs },
    notes: [
      `An onboarding makes ${requests.toFixed(1)} AWS requests (delay 0): ${[...counts].filter(([, count]) => count > 0).map(([service, count]) => `${service} ${count.toFixed(1)}`).join(', ')}.` +
        (unmeasured.length > 0 ? ` Left out of the floor (no request measured): ${unmeasured.join(', ')}.` : ''),
      ...costs.map(
        (cost) =>
          `${cost.service}: SDK ${cost.freshMs.toFixed(2)} ms a request over a fresh process's first ${sizes.fresh}, ${cost.warmMs.toFixed(2)} ms warm; endpoint ${cost.endpointMs.toFixed(2)} ms`,
      ),
      `The target per onboarding is what ${SCALE.lastReadySeconds} s allows: (${SCALE.lastReadySeconds} s − the ${SCALE.longestDelaySeconds} s delay) × ${cores} cores ÷ ${SCALE.onboardings}. ` +
        `With a fully warm SDK the last READY could come at ${lastReady(warmFloorMs).toFixed(1)} s; Lambda, Step Functions and the logs come on top of either floor.`,
    ],
  };
}
