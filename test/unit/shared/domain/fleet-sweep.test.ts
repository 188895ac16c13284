// A sweep's summary: verified providers counted per status after the sweep and DEGRADED ones per
// reason; moved-on and failed providers counted apart; the duration from the execution's start.
import { describe, expect, it } from 'vitest';
import { summarizeSweep, sweepIdOf, type SweepProviderResult } from '../../../../functions/shared/domain/fleet-sweep.js';

const SWEEP = { sweepId: 'sweep-20261129T120000000Z', executionArn: 'arn:aws:states:us-east-1:000000000000:execution:SweepFleet:x', startedAt: '2026-11-29T12:00:00.000Z', autoRepair: true };

describe('summarizeSweep', () => {
  it('counts statuses, reasons, changes, repairs, moved-on and failed providers', () => {
    // Prepare
    const results: SweepProviderResult[] = [
      { providerId: 'a.one', outcome: 'verified', previousStatus: 'READY', status: 'READY', reason: null, repairStarted: false },
      { providerId: 'a.two', outcome: 'verified', previousStatus: 'READY', status: 'DEGRADED', reason: 'POLICY_DETACHED', repairStarted: true },
      { providerId: 'a.three', outcome: 'verified', previousStatus: 'DEGRADED', status: 'DEGRADED', reason: 'ROLE_MISSING', repairStarted: false },
      { providerId: 'a.four', outcome: 'verified', previousStatus: 'DEGRADED', status: 'READY', reason: null, repairStarted: false },
      { providerId: 'a.five', outcome: 'moved-on', repairStarted: false },
      { providerId: 'a.six', outcome: 'failed', error: 'States.Timeout', repairStarted: false },
    ];

    // Act
    const summary = summarizeSweep(SWEEP, results, new Date('2026-11-29T12:01:30.250Z'));

    // Assess
    expect(summary).toEqual({
      ...SWEEP,
      endedAt: '2026-11-29T12:01:30.250Z',
      durationSeconds: 90.25,
      providers: 6,
      byStatus: { READY: 2, DEGRADED: 2 },
      byReason: { POLICY_DETACHED: 1, ROLE_MISSING: 1 },
      movedOn: 1,
      failed: 1,
      repairsStarted: 1,
      changed: 2,
    });
  });

  it('summarises an empty fleet with zero counts', () => {
    // Act
    const summary = summarizeSweep(SWEEP, [], new Date('2026-11-29T12:00:01.000Z'));

    // Assess
    expect(summary).toMatchObject({ providers: 0, byStatus: {}, byReason: {}, movedOn: 0, failed: 0, repairsStarted: 0, changed: 0, durationSeconds: 1 });
  });

  it('names a sweep after its start to the millisecond', () => {
    // Act
    const id = sweepIdOf(new Date('2026-11-29T12:00:00.123Z'));

    // Assess
    expect(id).toBe('sweep-20261129T120000123Z');
  });
});
