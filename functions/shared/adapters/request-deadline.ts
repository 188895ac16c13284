// The time budget of one request to a function that answers a caller (the API). Lambda ends an
// invocation at its timeout, and API Gateway then answers 502; so AWS calls made for a request are
// retried only while another attempt can still finish before the request's deadline, and a call
// that could not finish in time is not started. The caller then gets a retryable answer in time.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SFNClientConfig } from '@aws-sdk/client-sfn';
import { isTransient } from './aws-errors.js';

// The SDK's retry contract, named through a client's configuration type (no extra dependency).
export type RetryStrategyV2 = Extract<NonNullable<SFNClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;

/** A call could not be started: it would have outlived the request's deadline. */
export class RequestDeadlineExceeded extends Error {
  override readonly name = 'RequestDeadlineExceeded';
}

/** The deadline (epoch milliseconds) of the request the current code runs for. */
const deadlines = new AsyncLocalStorage<number>();

/** Runs `work` for a request that must be answered by `deadline` (epoch milliseconds). */
export function runWithinDeadline<T>(deadline: number, work: () => Promise<T>): Promise<T> {
  return deadlines.run(deadline, work);
}

export interface DeadlineRetryOptions {
  maxAttempts: number;
  /** The longest one attempt can take (the HTTP handler's connection + request timeouts). */
  attemptTimeoutMs: number;
  /** Backoff base: full jitter over base * 2^retry, capped; throttling backs off from a larger base. */
  baseDelayMs?: number;
  throttlingBaseDelayMs?: number;
  maxDelayMs?: number;
  now?: () => number;
  random?: () => number;
}

function retryToken(retryCount: number, delay: number): RetryToken {
  return { getRetryCount: () => retryCount, getRetryDelay: () => delay };
}

/**
 * The SDK's standard behaviour (retry throttling, transient and server errors with exponential
 * backoff and full jitter, up to maxAttempts), bounded by the current request's deadline: an
 * attempt, first or retry, starts only if it can end by then. Outside a request, no deadline applies.
 */
export function deadlineBoundRetryStrategy(options: DeadlineRetryOptions): RetryStrategyV2 {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const { maxAttempts, attemptTimeoutMs, baseDelayMs = 100, throttlingBaseDelayMs = 500, maxDelayMs = 5_000 } = options;
  const fitsBeforeDeadline = (start: number): boolean => {
    const deadline = deadlines.getStore();
    return deadline === undefined || start + attemptTimeoutMs <= deadline;
  };
  return {
    async acquireInitialRetryToken() {
      if (!fitsBeforeDeadline(now())) {
        throw new RequestDeadlineExceeded('The request has no time left for another AWS call');
      }
      return retryToken(0, 0);
    },
    async refreshRetryTokenForRetry(previous, { errorType, error }) {
      const retry = previous.getRetryCount() + 1;
      const base = errorType === 'THROTTLING' ? throttlingBaseDelayMs : baseDelayMs;
      const delay = Math.floor(random() * Math.min(maxDelayMs, base * 2 ** (retry - 1)));
      // Whatever is thrown here, the SDK rethrows the error of the last attempt.
      if (errorType === 'CLIENT_ERROR' || retry >= maxAttempts || !fitsBeforeDeadline(now() + delay)) {
        throw error ?? new Error('not retried');
      }
      return retryToken(retry, delay);
    },
    recordSuccess() {},
  };
}

/**
 * Failures the caller should retry later: throttling and AWS 5xx that outlasted the retries
 * (isTransient), and a request whose time budget ran out (no time for another call, or an attempt
 * cut off by its timeout).
 */
export function isRetryableLater(error: unknown): boolean {
  return isTransient(error) || error instanceof RequestDeadlineExceeded || (error as { name?: unknown } | undefined)?.name === 'TimeoutError';
}
