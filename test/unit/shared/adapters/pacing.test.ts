// Pacing a step to a minimum duration: the wait is what is left of the minimum since the step
// started, nothing once it has passed, and nothing at all when no positive minimum is asked.
import { describe, expect, it } from 'vitest';
import { paceFrom, remainingPaceMs, type PaceClock } from '../../../../functions/shared/adapters/pacing.js';

const STARTED_AT = Date.parse('2026-11-29T12:00:00.000Z');

/** A clock frozen at `now` that records the waits asked of it instead of waiting. */
function frozenClock(now: number): PaceClock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => now, sleep: async (ms) => void sleeps.push(ms) };
}

describe('remaining pace', () => {
  it('is the rest of the minimum while it has not passed', () => {
    // Prepare
    const now = STARTED_AT + 240;

    // Act
    const remaining = remainingPaceMs(STARTED_AT, now, 1_000);

    // Assess
    expect(remaining).toBe(760);
  });

  it('is zero once the minimum has passed, or exactly at its end', () => {
    // Act
    const past = remainingPaceMs(STARTED_AT, STARTED_AT + 1_500, 1_000);
    const atEnd = remainingPaceMs(STARTED_AT, STARTED_AT + 1_000, 1_000);

    // Assess
    expect(past).toBe(0);
    expect(atEnd).toBe(0);
  });

  it('is zero when no positive minimum is asked', () => {
    // Act
    const absent = remainingPaceMs(STARTED_AT, STARTED_AT, undefined);
    const zero = remainingPaceMs(STARTED_AT, STARTED_AT, 0);
    const negative = remainingPaceMs(STARTED_AT, STARTED_AT, -500);
    const notANumber = remainingPaceMs(STARTED_AT, STARTED_AT, Number.NaN);
    const endless = remainingPaceMs(STARTED_AT, STARTED_AT, Number.POSITIVE_INFINITY);

    // Assess
    expect([absent, zero, negative, notANumber, endless]).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('pacing from a start', () => {
  it('sleeps the rest of the minimum and answers how long', async () => {
    // Prepare
    const clock = frozenClock(STARTED_AT + 75);

    // Act
    const waited = await paceFrom(STARTED_AT, 1_000, clock);

    // Assess
    expect(waited).toBe(925);
    expect(clock.sleeps).toEqual([925]);
  });

  it('does not sleep when the step already lasted the minimum', async () => {
    // Prepare
    const clock = frozenClock(STARTED_AT + 1_200);

    // Act
    const waited = await paceFrom(STARTED_AT, 1_000, clock);

    // Assess
    expect(waited).toBe(0);
    expect(clock.sleeps).toEqual([]);
  });

  it('does not sleep when no minimum is asked', async () => {
    // Prepare
    const clock = frozenClock(STARTED_AT);

    // Act
    const waited = await paceFrom(STARTED_AT, undefined, clock);

    // Assess
    expect(waited).toBe(0);
    expect(clock.sleeps).toEqual([]);
  });
});
