// What an idle local cloud costs once it holds many providers: `npm start` in a child process
// with a fresh state directory, N providers onboarded through the API (one member account per
// 10), then the process's CPU time and resident memory over 10 s of idleness, the state
// directory's size, and how long Ctrl-C takes to end the process.
// Usage: node --import tsx bench/idle-cpu.ts [providers]   (synthesize first: npm run synth)
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { signedFetch } from '../local/signed-fetch.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const PROVIDERS = Number(process.argv[2] ?? 400);
const PER_ACCOUNT = 10;
const IN_FLIGHT = 16;
const IDLE_SECONDS = 10;
const REGION = 'us-east-1';
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

const stateDir = mkdtempSync(join(tmpdir(), 'bench-idle-'));
const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/local-cloud.ts', 'start', '--no-synth'], {
  env: { ...process.env, LOCAL_STATE_DIR: stateDir, LOCAL_PORT: '0', LOCAL_API_PORT: '0', LOCAL_PROPAGATION_DELAY_MS: '0', LOCAL_FAULTS: '' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The banner `npm start` prints once ready (function logs after it are drained and dropped). */
async function banner(): Promise<string> {
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
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident memory (MiB) and threads (the Lambda workers among them) of the process. */
function memory(pid: number): { residentMiB: number; threads: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { residentMiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024, threads: Number(/Threads:\s+(\d+)/.exec(status)?.[1] ?? 0) };
}

function directoryMiB(path: string): number {
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0) / 1024 / 1024;
}

/** CPU share over IDLE_SECONDS of doing nothing, then memory and threads (the Lambda workers among them). */
async function idleness(pid: number): Promise<string> {
  const before = cpuSeconds(pid);
  await sleep(IDLE_SECONDS * 1000);
  const share = (cpuSeconds(pid) - before) / IDLE_SECONDS;
  const { residentMiB, threads } = memory(pid);
  return `${(share * 100).toFixed(1)}% of a core over ${IDLE_SECONDS} s, ${residentMiB.toFixed(0)} MiB resident, ${threads} threads`;
}

/** Runs `task` over `items` with at most `limit` at a time. */
async function inBatches<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
  }));
}

try {
  const text = await banner();
  console.log(`fresh: ${await idleness(child.pid!)}`);
  const endpoint = field(text, /AWS endpoint\s+(http:\/\/\S+)/);
  const apiUrl = field(text, /REST API\s+(http:\/\/\S+)/);
  const credentials = { accessKeyId: field(text, /AWS_ACCESS_KEY_ID=(\S+)/), secretAccessKey: field(text, /AWS_SECRET_ACCESS_KEY=(\S+)/) };
  const organizations = new OrganizationsClient({ endpoint, region: REGION, credentials });
  const accounts: string[] = [];
  for (let index = 0; index < Math.ceil(PROVIDERS / PER_ACCOUNT); index += 1) {
    const { CreateAccountStatus } = await organizations.send(new CreateAccountCommand({ AccountName: `bench-${index}`, Email: `bench-${index}@example.com` }));
    accounts.push(CreateAccountStatus!.AccountId!);
  }
  const started = performance.now();
  const names = Array.from({ length: PROVIDERS }, (_, index) => `p${index}`);
  await inBatches(names, IN_FLIGHT, async (name) => {
    const accountId = accounts[Number(name.slice(1)) % accounts.length]!;
    const answer = await signedFetch(`${apiUrl}/workspaces/bench/providers`, { method: 'POST', body: { name, accountId } }, credentials, REGION);
    if (answer.status !== 202) throw new Error(`POST ${name} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    for (;;) {
      const { body } = await signedFetch(`${apiUrl}/workspaces/bench/providers/${name}`, {}, credentials, REGION);
      const status = (body as { status: string }).status;
      if (status === 'READY') return;
      if (status === 'FAILED') throw new Error(`bench.${name} FAILED: ${JSON.stringify(body)}`);
      await sleep(200);
    }
  });
  console.log(`${PROVIDERS} providers READY in ${((performance.now() - started) / 1000).toFixed(0)} s (in ${accounts.length} member accounts, whose new-account events onboard one more each)`);

  // Let the last executions end and their records go out, then measure idleness.
  await sleep(5_000);
  console.log(`idle with ${PROVIDERS} providers: ${await idleness(child.pid!)}`);
  console.log(`state directory: ${directoryMiB(stateDir).toFixed(1)} MiB (${readdirSync(stateDir).join(', ')})`);

  const stopping = performance.now();
  child.kill('SIGINT');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 60_000).unref())]);
  console.log(child.exitCode !== null ? `Ctrl-C: exited in ${((performance.now() - stopping) / 1000).toFixed(1)} s` : 'Ctrl-C: still running after 60 s');
} finally {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited;
  rmSync(stateDir, { recursive: true, force: true });
}
