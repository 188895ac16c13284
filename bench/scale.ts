// Scale: N onboardings through the REST API of `npm start` (a child process with a fresh state
// directory and the default 2-5 s propagation delay), sent by C concurrent clients once the member
// accounts exist. Measures the POST answers (latency, accepted per second), whether every provider
// gets to READY and when the last does, and the cloud process's peak resident memory (VmHWM) and
// CPU time, read from /proc. Synthesize first (npm run synth).
// Alone: node --import tsx bench/scale.ts [--quick] [--onboardings N] [--clients C] [--cpu-prof DIR]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { signedFetch, type Credentials } from '../local/signed-fetch.js';
import { percentile, type BenchOptions, type BenchResult } from './support/result.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface ScaleOptions extends BenchOptions {
  onboardings?: number;
  clients?: number;
  /** Writes the cloud process's V8 CPU profiles (main thread and Lambda workers) here. */
  cpuProfDir?: string;
}

const REGION = 'us-east-1';
const WORKSPACE = 'scale';
/** Providers per member account (one role each), so that N onboardings need N/10 accounts. */
const PER_ACCOUNT = 10;
const TARGET_P99_MS = 250;
const TARGET_ACCEPTED_PER_SECOND = 100;
const MAX_PROPAGATION_SECONDS = 5;
const TARGET_PEAK_RSS_MIB = 1024;
/** What the cloud process is given (npm start's default unless set): background work yields the CPU to API requests. */
const BACKGROUND_NICENESS = process.env.LOCAL_BACKGROUND_NICE ?? '10';
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

interface Cloud {
  child: ChildProcess;
  exited: Promise<void>;
  endpoint: string;
  apiUrl: string;
  credentials: Credentials;
  stateDir: string;
  /** Rejects, with the tail of its log, if the process ends before it is stopped. */
  died: Promise<never>;
  stopping: boolean;
}

interface ProviderRow {
  workspace: string;
  status: string;
  readyAt?: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function field(text: string, pattern: RegExp): string {
  const value = pattern.exec(text)?.[1];
  if (value === undefined) throw new Error(`${pattern} not in:\n${text}`);
  return value;
}

function loadAverage(): string {
  return loadavg().map((value) => value.toFixed(2)).join(' ');
}

/** `npm start` without synth, in a child process, once its banner says it is ready. */
async function startCloud(cpuProfDir: string | undefined): Promise<Cloud> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  const profiling = cpuProfDir !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${resolve(cpuProfDir)}`] : [];
  const child = spawn(process.execPath, [...profiling, '--import', 'tsx', 'scripts/local-cloud.ts', 'start', '--no-synth'], {
    env: { ...process.env, LOCAL_STATE_DIR: stateDir, LOCAL_PORT: '0', LOCAL_API_PORT: '0', LOCAL_PROPAGATION_DELAY_MS: '2000-5000', LOCAL_FAULTS: '', LOCAL_BACKGROUND_NICE: BACKGROUND_NICENESS },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Its own log (a line per API request) is read and dropped too; its tail explains a failed start.
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors = (errors + chunk.toString('utf8')).slice(-4000)));
  let text = '';
  const banner = await new Promise<string>((resolve, reject) => {
    // After the banner, function logs keep coming: they are read (as a terminal would) and dropped.
    child.stdout!.on('data', (chunk: Buffer) => {
      if (text.includes('Try it')) {
        errors = (errors + chunk.toString('utf8')).slice(-4000);
        return;
      }
      text += chunk.toString('utf8');
      if (text.includes('Try it')) resolve(text);
    });
    child.once('exit', () => reject(new Error(`the local cloud exited before it was ready:\n${text}\n${errors}`)));
  });
  const cloud: Cloud = {
    child,
    exited,
    died: new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) => {
        if (!cloud.stopping) reject(new Error(`the local cloud ended (${code ?? signal}) during the run:\n${errors}`));
      });
    }),
    stopping: false,
    endpoint: field(banner, /AWS endpoint\s+(http:\/\/\S+)/),
    apiUrl: field(banner, /REST API\s+(http:\/\/\S+)/),
    credentials: { accessKeyId: field(banner, /AWS_ACCESS_KEY_ID=(\S+)/), secretAccessKey: field(banner, /AWS_SECRET_ACCESS_KEY=(\S+)/) },
    stateDir,
  };
  cloud.died.catch(() => undefined);
  return cloud;
}

/** Ctrl-C, then at most 60 s for the process to end (it writes its CPU profiles as it exits). */
async function stopCloud(cloud: Cloud): Promise<void> {
  cloud.stopping = true;
  cloud.child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([cloud.exited, new Promise((resolve) => (timer = setTimeout(resolve, 60_000)))]);
  clearTimeout(timer);
  if (cloud.child.exitCode === null && cloud.child.signalCode === null) cloud.child.kill('SIGKILL');
  await cloud.exited;
  rmSync(cloud.stateDir, { recursive: true, force: true });
}

/** The process's peak resident memory (MiB), threads now, and user + system CPU seconds so far. */
function processFigures(pid: number): { peakRssMiB: number; rssMiB: number; threads: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return {
    peakRssMiB: kib('VmHWM') / 1024,
    rssMiB: kib('VmRSS') / 1024,
    threads: kib('Threads'),
    cpuSeconds: (Number(stat[11]) + Number(stat[12])) / CLOCK_TICKS,
  };
}

/** CPU seconds of the process's threads, by thread name (main and Lambda workers are `node`; libuv and V8 helpers have their own). */
function threadCpu(pid: number): Record<string, number> {
  const byName: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/\d+$/, '');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const key = tid === String(pid) ? 'main thread' : name;
      byName[key] = (byName[key] ?? 0) + (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return byName;
}

/** Every provider in the registry table (a paginated Scan, as an operator would read it). */
async function census(dynamodb: DynamoDBClient, tableName: string): Promise<ProviderRow[]> {
  const rows: ProviderRow[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({ TableName: tableName, ProjectionExpression: 'providerId, workspace, #s, readyAt', ExpressionAttributeNames: { '#s': 'status' }, ExclusiveStartKey: startKey }),
    );
    // Fleet records (the latest sweep, rollouts, the reconcile's members) share the table under '#…' keys.
    for (const item of (page.Items ?? []).filter((row) => !row.providerId?.S?.startsWith('#'))) {
      rows.push({ workspace: item.workspace?.S ?? '', status: item.status?.S ?? '', ...(item.readyAt?.S !== undefined ? { readyAt: item.readyAt.S } : {}) });
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return rows;
}

/** Polls the registry until `done` holds for the rows of interest, or the deadline passes. */
async function waitFor(
  read: () => Promise<ProviderRow[]>,
  done: (rows: ProviderRow[]) => boolean,
  deadlineMs: number,
): Promise<ProviderRow[]> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    const rows = await read();
    if (done(rows) || performance.now() > deadline) return rows;
    await sleep(1_000);
  }
}

const settled = (row: ProviderRow) => row.status === 'READY' || row.status === 'FAILED';

/** One member account per PER_ACCOUNT providers, and the onboardings their new-account events start, over. */
async function createAccounts(cloud: Cloud, dynamodb: DynamoDBClient, tableName: string, count: number): Promise<string[]> {
  const organizations = new OrganizationsClient({ endpoint: cloud.endpoint, region: REGION, credentials: cloud.credentials });
  const accounts: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const { CreateAccountStatus } = await organizations.send(new CreateAccountCommand({ AccountName: `scale-${index}`, Email: `scale-${index}@example.com` }));
    accounts.push(CreateAccountStatus!.AccountId!);
  }
  organizations.destroy();
  const rows = await waitFor(
    () => census(dynamodb, tableName),
    (all) => all.length >= count && all.every(settled),
    180_000,
  );
  if (rows.length < count || !rows.every(settled)) throw new Error(`the ${count} new-account onboardings did not settle within 180 s`);
  return accounts;
}

interface PostPhase {
  latenciesMs: number[];
  accepted: number;
  refused: Record<string, number>;
  firstSentAt: number;
  seconds: number;
}

/** `clients` concurrent clients, each sending its next POST as soon as the previous one is answered. */
async function postAll(cloud: Cloud, accounts: string[], onboardings: number, clients: number): Promise<PostPhase> {
  const latenciesMs: number[] = [];
  const refused: Record<string, number> = {};
  let next = 0;
  let accepted = 0;
  const firstSentAt = Date.now();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let index = next++; index < onboardings; index = next++) {
        const body = { name: `p${index}`, accountId: accounts[index % accounts.length]! };
        const sent = performance.now();
        let outcome: string;
        try {
          const answer = await signedFetch(`${cloud.apiUrl}/workspaces/${WORKSPACE}/providers`, { method: 'POST', body }, cloud.credentials, REGION);
          outcome = String(answer.status);
        } catch (error) {
          outcome = error instanceof Error ? error.message : String(error);
        }
        latenciesMs.push(performance.now() - sent);
        if (outcome === '202') accepted += 1;
        else refused[outcome] = (refused[outcome] ?? 0) + 1;
      }
    }),
  );
  return { latenciesMs, accepted, refused, firstSentAt, seconds: (performance.now() - started) / 1000 };
}

export async function run(options: ScaleOptions): Promise<BenchResult> {
  const onboardings = options.onboardings ?? (options.quick ? 100 : 1_000);
  const clients = options.clients ?? (options.quick ? 10 : 50);
  const loadBefore = loadAverage();
  const cloud = await startCloud(options.cpuProfDir);
  try {
    const measurement = await Promise.race([measure(cloud, onboardings, clients, options.quick), cloud.died]);
    return report({ ...measurement, loadBefore, loadAfter: loadAverage() });
  } finally {
    await stopCloud(cloud);
  }
}

interface Measurement {
  onboardings: number;
  clients: number;
  accountCount: number;
  posts: PostPhase;
  /** The providers of the benchmark's workspace, once every accepted one settled (or the deadline passed). */
  rows: ProviderRow[];
  before: ReturnType<typeof processFigures>;
  after: ReturnType<typeof processFigures>;
  /** CPU seconds per thread name from the first POST on, largest first. */
  cpuByThread: Array<readonly [string, number]>;
}

/** Accounts first, then the POSTs, then the registry until every accepted provider has settled. */
async function measure(cloud: Cloud, onboardings: number, clients: number, quick: boolean): Promise<Measurement> {
  const accountCount = Math.ceil(onboardings / PER_ACCOUNT);
  const pid = cloud.child.pid!;
  const dynamodb = new DynamoDBClient({ endpoint: cloud.endpoint, region: REGION, credentials: cloud.credentials });
  try {
    const { TableNames = [] } = await dynamodb.send(new ListTablesCommand({}));
    const tableName = TableNames.find((name) => /registry/i.test(name)) ?? TableNames[0];
    if (tableName === undefined) throw new Error('the deployed stack has no DynamoDB table');
    const accounts = await createAccounts(cloud, dynamodb, tableName, accountCount);
    const before = processFigures(pid);
    const threadsBefore = threadCpu(pid);
    const posts = await postAll(cloud, accounts, onboardings, clients);
    const ours = (rows: ProviderRow[]) => rows.filter((row) => row.workspace === WORKSPACE);
    const settledRows = await waitFor(
      () => census(dynamodb, tableName),
      (all) => ours(all).filter(settled).length >= posts.accepted,
      (quick ? 180 : 600) * 1000,
    );
    const after = processFigures(pid);
    const cpuByThread = Object.entries(threadCpu(pid))
      .map(([name, seconds]) => [name, seconds - (threadsBefore[name] ?? 0)] as const)
      .filter(([, seconds]) => seconds >= 0.05)
      .sort((a, b) => b[1] - a[1]);
    return { onboardings, clients, accountCount, posts, rows: ours(settledRows), before, after, cpuByThread };
  } finally {
    dynamodb.destroy();
  }
}

/** The rows beside their targets, and the breakdown behind them. */
function report(measurement: Measurement & { loadBefore: string; loadAfter: string }): BenchResult {
  const { onboardings, clients, accountCount, posts, rows, before, after, cpuByThread, loadBefore, loadAfter } = measurement;
  const ready = rows.filter((row) => row.status === 'READY');
  const failed = rows.filter((row) => row.status === 'FAILED').length;
  const lastReadyAt = Math.max(...ready.map((row) => Date.parse(row.readyAt ?? '')).filter(Number.isFinite));
  const untilLastReadySeconds = ready.length > 0 ? (lastReadyAt - posts.firstSentAt) / 1000 : Number.NaN;
  const ms = (p: number) => percentile(posts.latenciesMs, p);
  // The first answers are the first wave: every client's first POST, sent at once to an API whose
  // function has no warm sandbox yet. The rest show the steady state.
  const afterFirstWave = posts.latenciesMs.slice(clients);
  const steadyMs = (p: number) => percentile(afterFirstWave, p);
  const acceptedPerSecond = posts.accepted / posts.seconds;
  const cloudCpuSeconds = after.cpuSeconds - before.cpuSeconds;
  // The physical limit for the last READY: every POST sent at the target rate, then the longest propagation delay.
  const limitSeconds = onboardings / TARGET_ACCEPTED_PER_SECOND + MAX_PROPAGATION_SECONDS;
  const goal = `${onboardings} onboardings, ${clients} clients`;
  const refused = Object.keys(posts.refused).length > 0 ? `, refused: ${JSON.stringify(posts.refused)}` : '';
  return {
    name: 'scale',
    title: `Scale: ${onboardings} onboardings through the API, ${clients} concurrent clients, propagation delay 2-5 s`,
    rows: [
      { goal, metric: 'onboardings READY (none lost)', measured: ready.length, target: onboardings, unit: 'providers', better: 'higher' },
      { goal, metric: 'POST answer p99', measured: ms(99), target: TARGET_P99_MS, unit: 'ms', better: 'lower' },
      { goal, metric: 'accepted POSTs per second', measured: acceptedPerSecond, target: TARGET_ACCEPTED_PER_SECOND, unit: 'POST/s', better: 'higher' },
      { goal, metric: 'first POST → last READY', measured: untilLastReadySeconds, target: limitSeconds, unit: 's', better: 'lower' },
      { goal, metric: 'peak resident memory of the cloud process', measured: after.peakRssMiB, target: TARGET_PEAK_RSS_MIB, unit: 'MiB', better: 'lower' },
    ],
    samples: { postLatenciesMs: posts.latenciesMs.map((value) => Math.round(value * 10) / 10), refused: posts.refused, acceptedPerSecond, untilLastReadySeconds, ready: ready.length, failed, process: { before, after }, cpuByThread: Object.fromEntries(cpuByThread), loadBefore, loadAfter },
    notes: [
      `POST answers: p50 ${ms(50).toFixed(0)} ms, p90 ${ms(90).toFixed(0)} ms, p99 ${ms(99).toFixed(0)} ms, max ${ms(100).toFixed(0)} ms; ${posts.accepted} accepted in ${posts.seconds.toFixed(1)} s${refused}`,
      ...(afterFirstWave.length > 0
        ? [`POST answers after the first ${clients} (the clients' first POSTs, sent at once while the API function's sandboxes start cold): p50 ${steadyMs(50).toFixed(0)} ms, p90 ${steadyMs(90).toFixed(0)} ms, p99 ${steadyMs(99).toFixed(0)} ms`]
        : []),
      `registry: ${rows.length} providers of the ${posts.accepted} accepted, ${ready.length} READY, ${failed} FAILED, ${rows.length - ready.length - failed} still in flight`,
      `cloud process (npm start, in its own process; memory from /proc VmHWM): peak ${after.peakRssMiB.toFixed(0)} MiB resident ` +
        `(${before.rssMiB.toFixed(0)} MiB before the POSTs, ${after.rssMiB.toFixed(0)} MiB after), ${after.threads} threads, ` +
        `${cloudCpuSeconds.toFixed(1)} CPU s for the ${onboardings} onboardings (${((cloudCpuSeconds / onboardings) * 1000).toFixed(0)} ms each)`,
      `cloud CPU by thread: ${cpuByThread.map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`).join(', ')}`,
      `target for the last READY: ${onboardings} POSTs at ${TARGET_ACCEPTED_PER_SECOND}/s, then the longest propagation delay (${MAX_PROPAGATION_SECONDS} s); ` +
        `${accountCount} member accounts created first (${PER_ACCOUNT} providers each; their own new-account onboardings over before the first POST)`,
      `Lambda workers of functions the REST API does not invoke: ${BACKGROUND_NICENESS} nice steps below the process (LOCAL_BACKGROUND_NICE)`,
      `load average (1, 5, 15 min): ${loadBefore} before, ${loadAfter} after`,
    ],
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag: string) => {
    const index = args.indexOf(flag);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const result = await run({
    quick: args.includes('--quick'),
    ...(value('--onboardings') !== undefined ? { onboardings: Number(value('--onboardings')) } : {}),
    ...(value('--clients') !== undefined ? { clients: Number(value('--clients')) } : {}),
    ...(value('--cpu-prof') !== undefined ? { cpuProfDir: value('--cpu-prof')! } : {}),
  });
  console.log(result.title);
  for (const row of result.rows) console.log(`  ${row.metric}: ${row.measured.toFixed(1)} ${row.unit} (target ${row.target} ${row.unit}, ${row.better} is better)`);
  for (const note of result.notes ?? []) console.log(`  ${note}`);
}
