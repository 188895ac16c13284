// The rollout's rules that need no AWS: its id, the StackSets-like tolerance (the lower of a count
// and a percentage rounded down), which threshold a halt names, and a failure as the record lists it.
import { describe, expect, it } from 'vitest';
import {
  closingStatus,
  exceededThreshold,
  failureTolerance,
  fleetIsCurrent,
  rolloutFailureOf,
  rolloutIdOf,
  rolloutView,
  type RolloutRecord,
} from '../../../../functions/shared/domain/policy-rollout.js';

const RECORD: RolloutRecord = {
  rolloutId: 'rollout-0123abcd-20261129T100000000Z',
  policyVersion: 'sha256:0123abcd45678901',
  trigger: 'api',
  rolloutStatus: 'RUNNING',
  startedAt: '2026-11-29T10:00:00.000Z',
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Rollout:rollout-0123abcd-20261129T100000000Z',
  total: 50,
  tolerance: { maxFailures: 10, maxFailurePercent: 10, toleratedFailures: 5, bindingThreshold: 'percent' },
  failures: [],
  upgraded: 40,
  current: 3,
  movedOn: 1,
  failed: 0,
  skipped: 0,
};

describe('policy rollout rules', () => {
  it('names a rollout after the first 8 digits of its policy version and its start to the millisecond', () => {
    // Act
    const id = rolloutIdOf('sha256:0123abcd45678901', new Date('2026-11-29T10:00:00.042Z'));

    // Assess
    expect(id).toBe('rollout-0123abcd-20261129T100000042Z');
  });

  it('tolerates the lower of the count and the percentage of the fleet rounded down, naming the binding one', () => {
    // Act
    const small = failureTolerance(50, 10, 10);
    const large = failureTolerance(1000, 10, 10);
    const tiny = failureTolerance(5, 10, 10);

    // Assess
    expect(small).toEqual({ maxFailures: 10, maxFailurePercent: 10, toleratedFailures: 5, bindingThreshold: 'percent' });
    expect(large).toEqual({ maxFailures: 10, maxFailurePercent: 10, toleratedFailures: 10, bindingThreshold: 'count' });
    expect(tiny).toEqual({ maxFailures: 10, maxFailurePercent: 10, toleratedFailures: 0, bindingThreshold: 'percent' });
  });

  it('halts only once the failures exceed the tolerated number, naming the threshold that gave it', () => {
    // Prepare
    const byCount = failureTolerance(1000, 3, 10);
    const byPercent = failureTolerance(20, 10, 10);

    // Act
    const outcomes = [exceededThreshold(byCount, 3), exceededThreshold(byCount, 4), exceededThreshold(byPercent, 2), exceededThreshold(byPercent, 3)];

    // Assess
    expect(outcomes).toEqual([undefined, 'FAILURE_COUNT_EXCEEDED', undefined, 'FAILURE_PERCENT_EXCEEDED']);
  });

  it('closes COMPLETED within the tolerance, HALTED beyond it or when the walk failed', () => {
    // Act
    const completed = closingStatus({ ...RECORD, failed: 5 }, false);
    const halted = closingStatus({ ...RECORD, failed: 6 }, false);
    const walkFailed = closingStatus(RECORD, true);

    // Assess
    expect(completed).toEqual({ rolloutStatus: 'COMPLETED' });
    expect(halted).toEqual({ rolloutStatus: 'HALTED', haltReason: 'FAILURE_PERCENT_EXCEEDED' });
    expect(walkFailed).toEqual({ rolloutStatus: 'HALTED', haltReason: 'ROLLOUT_ERROR' });
  });

  it("lists a Lambda failure with its error name and message, and a States error with its plain cause", () => {
    // Act
    const lambda = rolloutFailureOf('fleet.alpha', {
      Error: 'PolicyUpgradeFailed',
      Cause: JSON.stringify({ errorType: 'PolicyUpgradeFailed', errorMessage: 'ROLE_MISSING: capa-fleet-alpha does not exist', trace: [] }),
    });
    const timeout = rolloutFailureOf('fleet.bravo', { Error: 'States.Timeout', Cause: 'Task timed out' });

    // Assess
    expect(lambda).toEqual({ providerId: 'fleet.alpha', error: 'PolicyUpgradeFailed', reason: 'ROLE_MISSING: capa-fleet-alpha does not exist' });
    expect(timeout).toEqual({ providerId: 'fleet.bravo', error: 'States.Timeout', reason: 'Task timed out' });
  });

  it('finds the fleet current only after a COMPLETED rollout of that version without failures or skips', () => {
    // Act
    const verdicts = [
      fleetIsCurrent({ ...RECORD, rolloutStatus: 'COMPLETED' }, RECORD.policyVersion),
      fleetIsCurrent({ ...RECORD, rolloutStatus: 'COMPLETED', failed: 1 }, RECORD.policyVersion),
      fleetIsCurrent({ ...RECORD, rolloutStatus: 'HALTED' }, RECORD.policyVersion),
      fleetIsCurrent({ ...RECORD, rolloutStatus: 'COMPLETED' }, 'sha256:ffffffffffffffff'),
    ];

    // Assess
    expect(verdicts).toEqual([true, false, false, false]);
  });

  it('shows the counters together and null for what is not known yet', () => {
    // Act
    const view = rolloutView({ ...RECORD, total: undefined, tolerance: undefined });

    // Assess
    expect(view).toMatchObject({
      status: 'RUNNING',
      total: null,
      tolerance: null,
      endedAt: null,
      haltReason: null,
      counts: { upgraded: 40, current: 3, movedOn: 1, failed: 0, skipped: 0 },
    });
  });
});
