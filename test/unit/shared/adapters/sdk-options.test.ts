// The SDK options of request-bound clients (the API's): three attempts, each cut off after one
// second to connect and two to answer, and none started that could not end by the request's deadline.
import { describe, expect, it } from 'vitest';
import { runWithinDeadline, type RetryStrategyV2 } from '../../../../functions/shared/adapters/request-deadline.js';
import { REQUEST_BOUND_SDK_CLIENT_OPTIONS, SDK_CLIENT_OPTIONS } from '../../../../functions/shared/adapters/sdk-options.js';

const strategy = REQUEST_BOUND_SDK_CLIENT_OPTIONS.retryStrategy as RetryStrategyV2;
const tokenAt = (retryCount: number) => ({ getRetryCount: () => retryCount, getRetryDelay: () => 0 });
const serverError = Object.assign(new Error('Internal error'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 }, cause: undefined });

describe('SDK options', () => {
  it('workflow clients make five attempts', () => {
    // Assess
    expect(SDK_CLIENT_OPTIONS).toEqual({ maxAttempts: 5 });
  });

  it('request-bound clients make three attempts, each cut off after 1 s to connect and 2 s to answer', () => {
    // Assess
    expect(REQUEST_BOUND_SDK_CLIENT_OPTIONS.maxAttempts).toBe(3);
    expect(REQUEST_BOUND_SDK_CLIENT_OPTIONS.requestHandler).toEqual({ connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true });
  });

  it('request-bound clients start no attempt whose 3 s could not end by the deadline', async () => {
    // Prepare: the strategy reads the real clock; a deadline 2,999 ms away is short of one attempt
    // however fast this runs, and one 10 s away leaves room for it
    const start = Date.now();

    // Act
    const inTime = await runWithinDeadline(start + 10_000, () => strategy.acquireInitialRetryToken('iam'));
    const tooLate = runWithinDeadline(start + 2_999, () => strategy.acquireInitialRetryToken('iam'));

    // Assess
    expect(inTime.getRetryCount()).toBe(0);
    await expect(tooLate).rejects.toMatchObject({ name: 'RequestDeadlineExceeded' });
  });

  it('request-bound clients give up after the third attempt', async () => {
    // Act
    const third = await strategy.refreshRetryTokenForRetry(tokenAt(1), { errorType: 'SERVER_ERROR', error: serverError });
    const fourth = strategy.refreshRetryTokenForRetry(tokenAt(2), { errorType: 'SERVER_ERROR', error: serverError });

    // Assess
    expect(third.getRetryCount()).toBe(2);
    await expect(fourth).rejects.toBe(serverError);
  });
});
