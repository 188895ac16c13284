// A minimum duration for a step: C steps running at once, each lasting at least D, start at most
// C / D a second, however fast what they call answers. The fleet sweep paces its checks this way,
// so its IAM and STS request rate is bounded, not only its concurrency.

export interface PaceClock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemPaceClock: PaceClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** What is left of `minMs` from `startedAt` at `now`: 0 once it has passed, or when no positive, finite minimum is asked. */
export function remainingPaceMs(startedAt: number, now: number, minMs: number | undefined): number {
  const min = minMs ?? 0;
  // A minimum of 0 or less has passed at the start; one that is not a finite number asks nothing.
  if (!Number.isFinite(min)) return 0;
  return Math.max(0, startedAt + min - now);
}

/** Waits out the rest of `minMs` from `startedAt`; answers how long it waited (ms). */
export async function paceFrom(startedAt: number, minMs: number | undefined, clock: PaceClock = systemPaceClock): Promise<number> {
  const wait = remainingPaceMs(startedAt, clock.now(), minMs);
  if (wait > 0) await clock.sleep(wait);
  return wait;
}
