import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pollingBudgetMs, systemClock, verifyRoleAssumable, type PollClock } from '../../../../functions/shared/adapters/verification.js';

const sts = mockClient(STSClient);
const roleArn = 'arn:aws:iam::111122223333:role/capa-providers/capa-a';
const now = new Date('2026-11-28T10:00:00Z');
/** Deadline a minute away, and a 30 s polling budget. */
const beforeDeadline = {
  roleArn,
  externalId: 'ext-0001',
  sessionName: 'verify',
  deadline: new Date('2026-11-28T10:01:00Z'),
  pollUntil: new Date('2026-11-28T10:00:30Z'),
};
const atDeadline = { ...beforeDeadline, deadline: now };
/** No budget left: one poll, then the wait is handed back to the state machine. */
const noBudget = { ...beforeDeadline, pollUntil: now };
const assumed = { AssumedRoleUser: { Arn: 'arn:aws:sts::111122223333:assumed-role/capa-a/verify', AssumedRoleId: 'AROA:verify' } };

const sdkError = (name: string, httpStatusCode: number, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });
const denied = () => sdkError('AccessDenied', 403, 'not authorized to perform: sts:AssumeRole');
const throttled = () => sdkError('Throttling', 400, 'Rate exceeded');

/** The call with the External ID (the polls) and the one without it (the confused-deputy probe). */
const withExternalId = { RoleArn: roleArn, ExternalId: 'ext-0001' };
const withoutExternalId = { RoleArn: roleArn, ExternalId: undefined };

/** A clock that starts at `now` and moves only when the code under test sleeps; its sleeps are recorded. */
function fakeClock(random = 0): PollClock & { sleeps: number[] } {
  let time = now.getTime();
  const sleeps: number[] = [];
  return {
    now: () => new Date(time),
    sleep: async (ms) => {
      sleeps.push(ms);
      time += ms;
    },
    random: () => random,
    sleeps,
  };
}

beforeEach(() => sts.reset());

describe('verifyRoleAssumable', () => {
  it('proves enforcement when the role is assumable with the External ID and AccessDenied without it', async () => {
    // Prepare
    sts.on(AssumeRoleCommand, withExternalId).resolves(assumed);
    sts.on(AssumeRoleCommand, withoutExternalId).rejects(denied());

    // Act
    const result = await verifyRoleAssumable(new STSClient({}), beforeDeadline, fakeClock());

    // Assess
    expect(result).toEqual({
      verification: {
        verifiedAt: '2026-11-28T10:00:00.000Z',
        assumedRoleArn: 'arn:aws:sts::111122223333:assumed-role/capa-a/verify',
        externalIdEnforced: true,
      },
      polls: 1,
    });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    expect(sts).toHaveReceivedNthCommandWith(AssumeRoleCommand, 1, { RoleArn: roleArn, RoleSessionName: 'verify', ExternalId: 'ext-0001', DurationSeconds: 900 });
    expect(sts).toHaveReceivedNthCommandWith(AssumeRoleCommand, 2, { RoleArn: roleArn, RoleSessionName: 'verify-no-external-id' });
    expect(sts.commandCalls(AssumeRoleCommand)[1]?.args[0].input.ExternalId).toBeUndefined();
  });

  it('reports RoleNotYetAssumable on AccessDenied with the External ID before the deadline once its budget is spent', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(denied());

    // Act
    const verification = verifyRoleAssumable(new STSClient({}), noBudget, fakeClock());

    // Assess
    await expect(verification).rejects.toMatchObject({
      name: 'RoleNotYetAssumable',
      message: `${roleArn} is not assumable yet (IAM propagation; 1 AssumeRole calls in this invocation)`,
    });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it('reports PropagationTimeout on AccessDenied with the External ID once the deadline has come', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(denied());

    // Act
    const verification = verifyRoleAssumable(new STSClient({}), atDeadline, fakeClock());

    // Assess
    await expect(verification).rejects.toMatchObject({ name: 'PropagationTimeout' });
  });

  it('fails with ExternalIdNotEnforced when the role can be assumed without the External ID', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves(assumed);

    // Act
    const verification = verifyRoleAssumable(new STSClient({}), beforeDeadline, fakeClock());

    // Assess
    await expect(verification).rejects.toMatchObject({ name: 'ExternalIdNotEnforced' });
  });

  it('turns throttling of the call with the External ID into TransientAwsError once its budget is spent', async () => {
    // Prepare
    sts.on(AssumeRoleCommand, withExternalId).rejects(sdkError('Throttling', 400, 'Rate exceeded'));

    // Act
    const verification = verifyRoleAssumable(new STSClient({}), noBudget, fakeClock());

    // Assess
    await expect(verification).rejects.toMatchObject({ name: 'TransientAwsError', message: `AssumeRole ${roleArn}: Rate exceeded` });
  });

  describe('only AccessDenied on the call without the External ID is proof of enforcement', () => {
    it.each([
      ['throttled', sdkError('Throttling', 400, 'Rate exceeded'), 'TransientAwsError'],
      ['a 500', sdkError('InternalFailure', 500, 'internal error'), 'TransientAwsError'],
      ['a 503', sdkError('ServiceUnavailable', 503, 'unavailable'), 'TransientAwsError'],
    ])('the second call %s is retried as TransientAwsError, not counted as enforced', async (_label, error, name) => {
      // Prepare
      sts.on(AssumeRoleCommand, withExternalId).resolves(assumed);
      sts.on(AssumeRoleCommand, withoutExternalId).rejects(error);

      // Act
      const verification = verifyRoleAssumable(new STSClient({}), beforeDeadline, fakeClock());

      // Assess
      await expect(verification).rejects.toMatchObject({
        name,
        message: `AssumeRole ${roleArn} without External ID: ${error.message}`,
      });
      expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    });

    it.each([
      ['RegionDisabledException', sdkError('RegionDisabledException', 403, 'STS is not activated in this region')],
      ['ValidationError', sdkError('ValidationError', 400, 'invalid session name')],
    ])('the second call failing with %s is rethrown as it is, not counted as enforced', async (name, error) => {
      // Prepare
      sts.on(AssumeRoleCommand, withExternalId).resolves(assumed);
      sts.on(AssumeRoleCommand, withoutExternalId).rejects(error);

      // Act
      const verification = verifyRoleAssumable(new STSClient({}), beforeDeadline, fakeClock());

      // Assess
      await expect(verification).rejects.toMatchObject({ name, message: error.message });
    });
  });
});

describe('polling while IAM propagates', () => {
  it('polls every 500 ms plus jitter until the role is assumable, within one invocation', async () => {
    // Prepare: three denials, then the role has propagated.
    sts.on(AssumeRoleCommand, withExternalId).rejectsOnce(denied()).rejectsOnce(denied()).rejectsOnce(denied()).resolves(assumed);
    sts.on(AssumeRoleCommand, withoutExternalId).rejects(denied());
    const clock = fakeClock(0.5);

    // Act
    const result = await verifyRoleAssumable(new STSClient({}), beforeDeadline, clock);

    // Assess
    expect(result).toEqual({
      verification: {
        verifiedAt: '2026-11-28T10:00:01.800Z',
        assumedRoleArn: 'arn:aws:sts::111122223333:assumed-role/capa-a/verify',
        externalIdEnforced: true,
      },
      polls: 4,
    });
    expect(clock.sleeps).toEqual([750, 525, 525]);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 5);
  });

  it('spreads its first wait over a whole interval, so roles created together are not polled in step', async () => {
    // Prepare: two onboardings whose random draws differ; each denied twice, then assumable.
    const waitsWith = async (random: number): Promise<number[]> => {
      sts.reset();
      sts.on(AssumeRoleCommand, withExternalId).rejectsOnce(denied()).rejectsOnce(denied()).resolves(assumed);
      sts.on(AssumeRoleCommand, withoutExternalId).rejects(denied());
      const clock = fakeClock(random);
      await verifyRoleAssumable(new STSClient({}), beforeDeadline, clock);
      return clock.sleeps;
    };

    // Act
    const early = await waitsWith(0.1);
    const late = await waitsWith(0.9);

    // Assess: first waits 550 and 950 ms apart by 400 ms; later ones keep the 500-550 ms pace.
    expect(early).toEqual([550, 505]);
    expect(late).toEqual([950, 545]);
  });

  it('never waits less than 500 ms between polls: at most 2 AssumeRole calls per second', async () => {
    // Prepare
    sts.on(AssumeRoleCommand, withExternalId).rejectsOnce(denied()).rejectsOnce(denied()).resolves(assumed);
    sts.on(AssumeRoleCommand, withoutExternalId).rejects(denied());
    const clock = fakeClock(0);

    // Act
    await verifyRoleAssumable(new STSClient({}), beforeDeadline, clock);

    // Assess
    expect(clock.sleeps).toEqual([500, 500]);
  });

  it('hands the wait back with RoleNotYetAssumable when the next poll would start after its budget', async () => {
    // Prepare: 1.2 s of budget, a role that stays denied.
    sts.on(AssumeRoleCommand).rejects(denied());
    const clock = fakeClock(0);

    // Act
    const verification = verifyRoleAssumable(new STSClient({}), { ...beforeDeadline, pollUntil: new Date('2026-11-28T10:00:01.200Z') }, clock);

    // Assess
    await expect(verification).rejects.toMatchObject({
      name: 'RoleNotYetAssumable',
      message: `${roleArn} is not assumable yet (IAM propagation; 3 AssumeRole calls in this invocation)`,
    });
    expect(clock.sleeps).toEqual([500, 500]);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 3);
  });

  it('a denial at the deadline reached while polling is final: PropagationTimeout', async () => {
    // Prepare: the deadline comes 1 s into a 30 s budget.
    sts.on(AssumeRoleCommand).rejects(denied());
    const clock = fakeClock(0);

    // Act
    const verification = verifyRoleAssumable(new STSClient({}), { ...beforeDeadline, deadline: new Date('2026-11-28T10:00:01Z') }, clock);

    // Assess
    await expect(verification).rejects.toMatchObject({
      name: 'PropagationTimeout',
      message: `${roleArn} was still not assumable with its External ID at 2026-11-28T10:00:01.000Z`,
    });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 3);
  });

  it('backs off on throttling, doubling the interval up to 8 s, then hands back TransientAwsError at the end of its budget', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(throttled());
    const clock = fakeClock(0);

    // Act
    const verification = verifyRoleAssumable(new STSClient({}), beforeDeadline, clock);

    // Assess
    await expect(verification).rejects.toMatchObject({ name: 'TransientAwsError', message: `AssumeRole ${roleArn}: Rate exceeded` });
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 6);
  });

  it('after throttling, each denial halves the interval back towards 500 ms', async () => {
    // Prepare
    sts
      .on(AssumeRoleCommand, withExternalId)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .rejectsOnce(denied())
      .rejectsOnce(denied())
      .resolves(assumed);
    sts.on(AssumeRoleCommand, withoutExternalId).rejects(denied());
    const clock = fakeClock(0);

    // Act
    const result = await verifyRoleAssumable(new STSClient({}), beforeDeadline, clock);

    // Assess
    expect(result.polls).toBe(5);
    expect(clock.sleeps).toEqual([1_000, 2_000, 1_000, 500]);
  });

  it('a 5xx while polling is backed off like throttling', async () => {
    // Prepare
    sts.on(AssumeRoleCommand, withExternalId).rejectsOnce(sdkError('InternalFailure', 500, 'internal error')).resolves(assumed);
    sts.on(AssumeRoleCommand, withoutExternalId).rejects(denied());
    const clock = fakeClock(0);

    // Act
    const result = await verifyRoleAssumable(new STSClient({}), beforeDeadline, clock);

    // Assess
    expect(result.polls).toBe(2);
    expect(clock.sleeps).toEqual([1_000]);
  });

  it('an error that is neither a denial nor transient ends polling at once, rethrown as it is', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).rejects(sdkError('RegionDisabledException', 403, 'STS is not activated in this region'));
    const clock = fakeClock(0);

    // Act
    const verification = verifyRoleAssumable(new STSClient({}), beforeDeadline, clock);

    // Assess
    await expect(verification).rejects.toMatchObject({ name: 'RegionDisabledException', message: 'STS is not activated in this region' });
    expect(clock.sleeps).toEqual([]);
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });
});

describe('pollingBudgetMs: the remaining time less a reserve of a quarter, at most 5 s', () => {
  it.each([
    [60_000, 55_000],
    [8_000, 6_000],
    [1_000, 750],
    [0, 0],
  ])('%i ms remaining leave %i ms of polling', (remaining, budget) => {
    // Act
    const result = pollingBudgetMs(remaining);

    // Assess
    expect(result).toBe(budget);
  });
});

describe('systemClock: the clock the Lambda polls with', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sleeps until its time has passed, so polls really are spaced', async () => {
    // Prepare
    vi.useFakeTimers();
    let woke = false;

    // Act
    const sleeping = systemClock.sleep(500).then(() => {
      woke = true;
    });
    await vi.advanceTimersByTimeAsync(499);
    const wokeEarly = woke;
    await vi.advanceTimersByTimeAsync(1);
    await sleeping;

    // Assess
    expect(wokeEarly).toBe(false);
    expect(woke).toBe(true);
  });
});
