// What an idle local cloud costs once it holds many providers: `npm start` in a child process
// with a fresh state directory, N providers onboarded through the API (one member account per
// 10), then the process's CPU time and resident memory over some seconds of idleness, the state
// directory's size, and how long Ctrl-C takes to end the process. Synthesize first: npm run synth.
import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { signedFetch } from '../local/signed-fetch.js';
import type { BenchOptions, BenchResult } from './support/result.js';

const PER_ACCOUNT = 10;
const IN_FLIGHT = 16;
const REGION = 'us-east-1';
/** Targets: an idle cloud does (almost) nothing, holds its providers in modest memory and stops at once. */
const IDLE_CPU_TARGET_PERCENT = 2;
const RESIDENT_TARGET_MIB = 1024;
const CTRL_C_TARGET_S = 2;

interface Idleness {
  cpuPercent: number;
  residentMiB: number;
  threads: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The banner `npm start` prints once ready (function logs after it are drained and dropped). */
function banner(child: ChildProcessByStdio<null, Readable, null>): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (text.includes('Try it')) return;
      text += chunk.toString('utf8');
      if (text.includes('Try it')) resolve(text);
    });
    child.once('exit', () => reject(new Error(`the local cloud exited before it was ready:\n${text}`)));
  });
}

function field(text: string, pattern: RegExp): string {
  const value = pattern.exec(text)?.[1];
  if (value === undefined) throw new Error(`${pattern} not in:\n${text}`);
  return value;
}

/** User + system CPU seconds the process has used, from /proc. */
function cpuSeconds(pid: number, clockTicks: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

function directoryMiB(path: string): number {
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0) / 1024 / 1024;
}

/** CPU share over `seconds` of doing nothing, then memory and threads (the Lambda workers among them). */
async function idleness(pid: number, seconds: number): Promise<Idleness> {
  const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  const before = cpuSeconds(pid, clockTicks);
  await sleep(seconds * 1000);
  const cpuPercent = ((cpuSeconds(pid, clockTicks) - before) / seconds) * 100;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    cpuPercent,
    residentMiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024,
    threads: Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0),
  };
}

/** Runs `task` over `items` with at most `limit` at a time. */
async function inBatches<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
  }));
}

/** Onboards `providers` providers through the API of the started cloud whose banner is `text`. */
async function onboardMany(text: string, providers: number): Promise<{ accounts: number; seconds: number }> {
  const endpoint = field(text, /AWS endpoint\s+(http:\/\/\S+)/);
  const apiUrl = field(text, /REST API\s+(http:\/\/\S+)/);
  const credentials = { accessKeyId: field(text, /AWS_ACCESS_KEY_ID=(\S+)/), secretAccessKey: field(text, /AWS_SECRET_ACCESS_KEY=(\S+)/) };
  const organizations = new OrganizationsClient({ endpoint, region: REGION, credentials });
  const accounts: string[] = [];
  for (let index = 0; index < Math.ceil(providers / PER_ACCOUNT); index += 1) {
    const { CreateAccountStatus } = await organizations.send(new CreateAccountCommand({ AccountName: `bench-${index}`, Email: `bench-${index}@example.com` }));
    accounts.push(CreateAccountStatus!.AccountId!);
  }
  const started = performance.now();
  const names = Array.from({ length: providers }, (_, index) => `p${index}`);
  await inBatches(names, IN_FLIGHT, async (name) => {
    const accountId = accounts[Number(name.slice(1)) % accounts.length]!;
    const answer = await signedFetch(`${apiUrl}/workspaces/bench/providers`, { method: 'POST', body: { name, accountId } }, credentials, REGION);
    if (answer.status !== 202) throw new Error(`POST ${name} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    for (const deadline = performance.now() + 600_000; performance.now() < deadline; await sleep(200)) {
      const { body } = await signedFetch(`${apiUrl}/workspaces/bench/providers/${name}`, {}, credentials, REGION);
      const status = (body as { status: string }).status;
      if (status === 'READY') return;
      if (status === 'FAILED') throw new Error(`bench.${name} FAILED: ${JSON.stringify(body)}`);
    }
    throw new Error(`bench.${name} not READY after 600 s`);
  });
  return { accounts: accounts.length, seconds: (performance.now() - started) / 1000 };
}

export async function run({ quick }: BenchOptions): Promise<BenchResult> {
  const providers = quick ? 40 : 400;
  const idleSeconds = quick ? 3 : 10;
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-idle-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-cloud.ts', 'start', '--no-synth'], {
    env: { ...process.env, LOCAL_STATE_DIR: stateDir, LOCAL_PORT: '0', LOCAL_API_PORT: '0', LOCAL_PROPAGATION_DELAY_MS: '0', LOCAL_FAULTS: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const text = await banner(child);
    const fresh = await idleness(child.pid!, idleSeconds);
    const onboarding = await onboardMany(text, providers);
    // Let the last executions end and their records go out, then measure idleness.
    await sleep(5_000);
    const loaded = await idleness(child.pid!, idleSeconds);
    const stateMiB = directoryMiB(stateDir);
    const stopping = performance.now();
    child.kill('SIGINT');
    await Promise.race([exited, sleep(60_000)]);
    const ctrlCSeconds = child.exitCode !== null ? (performance.now() - stopping) / 1000 : Number.POSITIVE_INFINITY;
    const samples = { providers, accounts: onboarding.accounts, onboardingSeconds: onboarding.seconds, idleSeconds, fresh, loaded, stateMiB, ctrlCSeconds };
    return {
      name: 'idle-cpu',
      title: `Idle npm start: fresh, then after ${providers} onboardings in ${onboarding.accounts} member accounts (${idleSeconds} s idle each)`,
      rows: [
        { goal: 'idle cloud', metric: 'CPU share, fresh', measured: fresh.cpuPercent, target: IDLE_CPU_TARGET_PERCENT, unit: '% of a core', better: 'lower' },
        { goal: 'idle cloud', metric: `CPU share with ${providers} providers`, measured: loaded.cpuPercent, target: IDLE_CPU_TARGET_PERCENT, unit: '% of a core', better: 'lower' },
        { goal: 'idle cloud', metric: `resident memory with ${providers} providers`, measured: loaded.residentMiB, target: RESIDENT_TARGET_MIB, unit: 'MiB', better: 'lower' },
        { goal: 'idle cloud', metric: 'Ctrl-C to exit', measured: ctrlCSeconds, target: CTRL_C_TARGET_S, unit: 's', better: 'lower' },
      ],
      samples,
      notes: [
        `${providers} providers READY in ${onboarding.seconds.toFixed(0)} s (the accounts' new-account events onboard one more each)`,
        `state directory ${stateMiB.toFixed(1)} MiB; ${loaded.threads} threads (the warm Lambda workers among them)`,
      ],
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    rmSync(stateDir, { recursive: true, force: true });
  }
}
