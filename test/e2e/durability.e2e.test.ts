// The local cloud as an operator runs it (`npm start`, a child process here), killed outright or
// stopped with Ctrl-C while onboardings run: what it acknowledged survives, a graceful stop ends
// the process, and the restarted cloud finishes every onboarding exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createMemberAccount,
  executionNames,
  getProvider,
  killOutright,
  post,
  providerRoleNames,
  settledProvider,
  spawnLocalCloud,
  type CloudProcess,
} from './local-cloud-process.js';
import { ensureSynthesized, eventually } from './support.js';

beforeAll(() => {
  ensureSynthesized();
}, 180_000);

let stateDir: string;
let first: CloudProcess | undefined;
let second: CloudProcess | undefined;

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'capa-durability-'));
});

afterEach(async () => {
  await killOutright(first);
  await killOutright(second);
  first = undefined;
  second = undefined;
  rmSync(stateDir, { recursive: true, force: true });
});

/** What a provider ended as, in one comparable line. */
function outcome(provider: { providerId: string; status: string; reason: string | null }): string {
  return `${provider.providerId} ${provider.status} ${provider.reason ?? '-'}`;
}

/** Resolves with 'still running' after `ms`, to bound a wait on a process's exit. */
function stillRunningAfter(ms: number): Promise<'still running'> {
  return new Promise((resolve) => setTimeout(() => resolve('still running'), ms).unref());
}

describe('the local cloud killed outright (kill -9)', () => {
  it('loses no acknowledged onboarding: after a restart each provider is READY, with one execution and one role', async () => {
    // Prepare
    first = await spawnLocalCloud(stateDir, { LOCAL_PROPAGATION_DELAY_MS: '0' });
    const accountId = await createMemberAccount(first, 'durable-kill');
    await settledProvider(first, `default.aws-${accountId}`);
    const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];
    const answers = await Promise.all(names.map((name) => post(first!, { workspace: 'crash', name, accountId })));

    // Act
    await killOutright(first);
    second = await spawnLocalCloud(stateDir, { LOCAL_PROPAGATION_DELAY_MS: '0' });
    const providers = await Promise.all(names.map((name) => settledProvider(second!, `crash.${name}`)));
    const executions = (await executionNames(second)).filter((name) => name.startsWith('crash_')).sort();
    const roles = await providerRoleNames(second, accountId);

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202, 202, 202, 202, 202]);
    expect(providers.map(outcome)).toEqual([
      'crash.p1 READY -',
      'crash.p2 READY -',
      'crash.p3 READY -',
      'crash.p4 READY -',
      'crash.p5 READY -',
      'crash.p6 READY -',
      'crash.p7 READY -',
      'crash.p8 READY -',
    ]);
    expect(executions).toEqual(['crash_p1_1', 'crash_p2_1', 'crash_p3_1', 'crash_p4_1', 'crash_p5_1', 'crash_p6_1', 'crash_p7_1', 'crash_p8_1']);
    expect(roles).toEqual([
      'capa-crash-p1',
      'capa-crash-p2',
      'capa-crash-p3',
      'capa-crash-p4',
      'capa-crash-p5',
      'capa-crash-p6',
      'capa-crash-p7',
      'capa-crash-p8',
      `capa-default-aws-${accountId}`,
    ]);
  }, 300_000);
});

describe('the local cloud stopped with Ctrl-C (SIGINT) while onboardings run', () => {
  it('exits on its own, and after a restart each provider is READY, with one execution and one role', async () => {
    // Prepare: a propagation delay keeps every onboarding verifying when the stop comes.
    first = await spawnLocalCloud(stateDir, { LOCAL_PROPAGATION_DELAY_MS: '15000' });
    const accountId = await createMemberAccount(first, 'durable-stop');
    await eventually('the new-account onboarding started', async () => {
      const { status, provider } = await getProvider(first!, `default.aws-${accountId}`);
      return status === 200 && provider.executionArn ? true : undefined;
    });
    const names = ['q1', 'q2', 'q3', 'q4'];
    const answers = await Promise.all(names.map((name) => post(first!, { workspace: 'stop', name, accountId })));
    const runningAtStop = await Promise.all(names.map(async (name) => (await getProvider(first!, `stop.${name}`)).provider.status));

    // Act
    first.child.kill('SIGINT');
    const exit = await Promise.race([first.exited, stillRunningAfter(30_000)]);
    second = await spawnLocalCloud(stateDir, { LOCAL_PROPAGATION_DELAY_MS: '0' });
    const providers = await Promise.all([`default.aws-${accountId}`, ...names.map((name) => `stop.${name}`)].map((id) => settledProvider(second!, id)));
    const executions = (await executionNames(second)).filter((name) => name.startsWith('stop_') || name === `default_aws-${accountId}_1`).sort();
    const roles = await providerRoleNames(second, accountId);

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202, 202]);
    expect(runningAtStop.filter((status) => status === 'READY' || status === 'FAILED')).toEqual([]);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(providers.map(outcome)).toEqual([
      `default.aws-${accountId} READY -`,
      'stop.q1 READY -',
      'stop.q2 READY -',
      'stop.q3 READY -',
      'stop.q4 READY -',
    ]);
    expect(executions).toEqual([`default_aws-${accountId}_1`, 'stop_q1_1', 'stop_q2_1', 'stop_q3_1', 'stop_q4_1']);
    expect(roles).toEqual([`capa-default-aws-${accountId}`, 'capa-stop-q1', 'capa-stop-q2', 'capa-stop-q3', 'capa-stop-q4']);
  }, 300_000);
});
