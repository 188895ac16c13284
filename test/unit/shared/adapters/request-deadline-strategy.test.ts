// The retry strategy's decisions, asked directly: the backoff it gives each retry (full jitter over
// an exponential base, larger for throttling, capped), and whether an attempt may start before the
// request's deadline. The clock and the jitter are fixed numbers; nothing waits.
import { describe, expect, it } from 'vitest';
import {
  deadlineBoundRetryStrategy,
  isRetryableLater,
  RequestDeadlineExceeded,
  runWithinDeadline,
  type RetryStrategyV2,
} from '../../../../functions/shared/adapters/request-deadline.js';

type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;
type ErrorType = Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1]['errorType'];

const tokenAt = (retryCount: number): RetryToken => ({ getRetryCount: () => retryCount, getRetryDelay: () => 0 });
const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 }, cause: undefined });

/** The delay and count of the token the strategy gives for the retry after `retryCount` retries. */
async function retryAfter(strategy: RetryStrategyV2, retryCount: number, errorType: ErrorType) {
  const token = await strategy.refreshRetryTokenForRetry(tokenAt(retryCount), { errorType, error: throttled });
  return { count: token.getRetryCount(), delay: token.getRetryDelay() };
}

describe('backoff', () => {
  it('waits a jittered share of 100 ms doubled per retry for a transient error', async () => {
    // Prepare
    const strategy = deadlineBoundRetryStrategy({ maxAttempts: 10, attemptTimeoutMs: 1_000, random: () => 0.5 });

    // Act
    const delays = [await retryAfter(strategy, 0, 'TRANSIENT'), await retryAfter(strategy, 1, 'SERVER_ERROR'), await retryAfter(strategy, 3, 'TRANSIENT')];

    // Assess
    expect(delays).toEqual([
      { count: 1, delay: 50 },
      { count: 2, delay: 100 },
      { count: 4, delay: 400 },
    ]);
  });

  it('backs off from 500 ms for throttling', async () => {
    // Prepare
    const strategy = deadlineBoundRetryStrategy({ maxAttempts: 10, attemptTimeoutMs: 1_000, random: () => 0.5 });

    // Act
    const delays = [await retryAfter(strategy, 0, 'THROTTLING'), await retryAfter(strategy, 2, 'THROTTLING')];

    // Assess
    expect(delays).toEqual([
      { count: 1, delay: 250 },
      { count: 3, delay: 1_000 },
    ]);
  });

  it('caps the backoff base at 5 s', async () => {
    // Prepare
    const strategy = deadlineBoundRetryStrategy({ maxAttempts: 10, attemptTimeoutMs: 1_000, random: () => 0.5 });

    // Act
    const delay = await retryAfter(strategy, 5, 'THROTTLING');

    // Assess
    expect(delay).toEqual({ count: 6, delay: 2_500 });
  });

  it('uses the bases and cap it is given, rounding the jittered delay down', async () => {
    // Prepare
    const strategy = deadlineBoundRetryStrategy({
      maxAttempts: 10,
      attemptTimeoutMs: 1_000,
      baseDelayMs: 30,
      throttlingBaseDelayMs: 70,
      maxDelayMs: 200,
      random: () => 0.99,
    });

    // Act
    const delays = [await retryAfter(strategy, 0, 'TRANSIENT'), await retryAfter(strategy, 0, 'THROTTLING'), await retryAfter(strategy, 4, 'TRANSIENT')];

    // Assess
    expect(delays).toEqual([
      { count: 1, delay: 29 },
      { count: 1, delay: 69 },
      { count: 5, delay: 198 },
    ]);
  });
});

describe('which retries are allowed', () => {
  it('gives up after maxAttempts attempts with the error of the last one', async () => {
    // Prepare
    const strategy = deadlineBoundRetryStrategy({ maxAttempts: 3, attemptTimeoutMs: 1_000, random: () => 0 });

    // Act
    const allowed = await retryAfter(strategy, 1, 'TRANSIENT');
    const refused = strategy.refreshRetryTokenForRetry(tokenAt(2), { errorType: 'TRANSIENT', error: throttled });

    // Assess
    expect(allowed).toEqual({ count: 2, delay: 0 });
    await expect(refused).rejects.toBe(throttled);
  });

  it('does not retry a client error', async () => {
    // Prepare
    const strategy = deadlineBoundRetryStrategy({ maxAttempts: 3, attemptTimeoutMs: 1_000, random: () => 0 });

    // Act
    const refused = strategy.refreshRetryTokenForRetry(tokenAt(0), { errorType: 'CLIENT_ERROR', error: throttled });

    // Assess
    await expect(refused).rejects.toBe(throttled);
  });

  it('refuses with a generic error when the SDK passes none', async () => {
    // Prepare
    const strategy = deadlineBoundRetryStrategy({ maxAttempts: 1, attemptTimeoutMs: 1_000, random: () => 0 });

    // Act
    const refused = strategy.refreshRetryTokenForRetry(tokenAt(0), { errorType: 'TRANSIENT' });

    // Assess
    await expect(refused).rejects.toThrow('not retried');
  });

  it('starts a retry that, after its backoff, ends exactly at the deadline, and not one that would end later', async () => {
    // Prepare: now is 1,000; the backoff is 50 ms; an attempt takes up to 2,000 ms
    const strategy = deadlineBoundRetryStrategy({ maxAttempts: 10, attemptTimeoutMs: 2_000, now: () => 1_000, random: () => 0.5 });

    // Act
    const inTime = await runWithinDeadline(3_050, () => retryAfter(strategy, 0, 'TRANSIENT'));
    const tooLate = runWithinDeadline(3_049, () => retryAfter(strategy, 0, 'TRANSIENT'));

    // Assess
    expect(inTime).toEqual({ count: 1, delay: 50 });
    await expect(tooLate).rejects.toBe(throttled);
  });

  it('starts a first attempt that ends exactly at the deadline, and refuses one that would end later', async () => {
    // Prepare
    const strategy = deadlineBoundRetryStrategy({ maxAttempts: 10, attemptTimeoutMs: 2_000, now: () => 1_000 });

    // Act
    const inTime = await runWithinDeadline(3_000, () => strategy.acquireInitialRetryToken('dynamodb'));
    const tooLate = runWithinDeadline(2_999, () => strategy.acquireInitialRetryToken('dynamodb'));

    // Assess
    expect({ count: inTime.getRetryCount(), delay: inTime.getRetryDelay() }).toEqual({ count: 0, delay: 0 });
    await expect(tooLate).rejects.toThrow(new RequestDeadlineExceeded('The request has no time left for another AWS call'));
    await expect(tooLate).rejects.toMatchObject({ name: 'RequestDeadlineExceeded' });
  });

  it('applies no deadline outside a request', async () => {
    // Prepare
    const strategy = deadlineBoundRetryStrategy({ maxAttempts: 10, attemptTimeoutMs: 2_000, now: () => 1_000, random: () => 0 });

    // Act
    const first = await strategy.acquireInitialRetryToken('dynamodb');
    const retry = await retryAfter(strategy, 0, 'TRANSIENT');

    // Assess
    expect(first.getRetryCount()).toBe(0);
    expect(retry).toEqual({ count: 1, delay: 0 });
  });
});

describe('isRetryableLater', () => {
  it.each<[string, boolean, unknown]>([
    ['an attempt cut off by its timeout', true, Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['a deadline that left no time', true, new RequestDeadlineExceeded('no time')],
    ['throttling', true, throttled],
    ['a validation error', false, Object.assign(new Error('bad'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } })],
    ['no error at all', false, undefined],
  ])('%s: retryable later is %s', (_what, expected, error) => {
    // Act
    const retryable = isRetryableLater(error);

    // Assess
    expect(retryable).toBe(expected);
  });
});
