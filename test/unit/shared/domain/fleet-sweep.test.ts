// A sweep's summary: verified providers counted per status after the sweep and DEGRADED ones per
// reason; moved-on and failed providers counted apart; the duration from the execution's start.
// The counts are tallied a page at a time, so the sweep's state never holds the whole fleet.
import { describe, expect, it } from 'vitest';
import { summarizeSweep, sweepIdOf, tallySweep, type SweepProviderResult } from '../../../../functions/shared/domain/fleet-sweep.js';

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
    const summary = summarizeSweep(SWEEP, tallySweep(null, results), new Date('2026-11-29T12:01:30.250Z'));

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
    const summary = summarizeSweep(SWEEP, null, new Date('2026-11-29T12:00:01.000Z'));

    // Assess
    expect(summary).toMatchObject({ providers: 0, byStatus: {}, byReason: {}, movedOn: 0, failed: 0, repairsStarted: 0, changed: 0, durationSeconds: 1 });
  });

  it('adds a page to the counts so far: two pages tally as one list would', () => {
    // Prepare
    const firstPage: SweepProviderResult[] = [
      { providerId: 'a.one', outcome: 'verified', previousStatus: 'READY', status: 'DEGRADED', reason: 'ROLE_MISSING', repairStarted: true },
      { providerId: 'a.two', outcome: 'moved-on', repairStarted: false },
    ];
    const secondPage: SweepProviderResult[] = [
      { providerId: 'b.one', outcome: 'verified', previousStatus: 'READY', status: 'DEGRADED', reason: 'ROLE_MISSING', repairStarted: false },
      { providerId: 'b.two', outcome: 'verified', previousStatus: 'READY', status: 'READY', reason: null, repairStarted: false },
    ];

    // Act
    const tally = tallySweep(tallySweep(null, firstPage), secondPage);

    // Assess
    expect(tally).toEqual({ providers: 4, byStatus: { DEGRADED: 2, READY: 1 }, byReason: { ROLE_MISSING: 2 }, movedOn: 1, failed: 0, repairsStarted: 1, changed: 2 });
  });

  it('counts a result that is not a provider\'s (a child execution that failed outright) as a failed provider', () => {
    // Act
    const tally = tallySweep(null, [{ Error: 'States.Runtime', Cause: 'boom' }, null]);

    // Assess
    expect(tally).toEqual({ providers: 2, byStatus: {}, byReason: {}, movedOn: 0, failed: 2, repairsStarted: 0, changed: 0 });
  });

  it('names a sweep after its start to the millisecond', () => {
    // Act
    const id = sweepIdOf(new Date('2026-11-29T12:00:00.123Z'));

    // Assess
    expect(id).toBe('sweep-20261129T120000123Z');
  });
});
