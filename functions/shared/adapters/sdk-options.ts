// Retry policies for the AWS SDK clients the functions build.
import type { SFNClientConfig } from '@aws-sdk/client-sfn';
import { deadlineBoundRetryStrategy } from './request-deadline.js';

export type SdkClientOptions = Pick<SFNClientConfig, 'maxAttempts' | 'retryStrategy' | 'requestHandler'>;

/**
 * Workflow steps: the SDK absorbs short bursts of throttling and 5xx itself; what outlasts five
 * attempts becomes TransientAwsError for the state machine, which retries the step.
 */
export const SDK_CLIENT_OPTIONS: SdkClientOptions = { maxAttempts: 5 };

/**
 * A client whose caller paces its own retries (verification's AssumeRole polling): one request per
 * call, so throttling slows the caller's loop instead of adding SDK retries on top of it.
 */
export const SINGLE_ATTEMPT_SDK_CLIENT_OPTIONS: SdkClientOptions = { maxAttempts: 1 };

/** Connection plus response: the longest one attempt of a request-bound client can take. */
const CONNECTION_TIMEOUT_MS = 1_000;
const REQUEST_TIMEOUT_MS = 2_000;
const REQUEST_BOUND_MAX_ATTEMPTS = 3;

/**
 * Functions that answer a caller (the API): fewer attempts, each cut off by timeouts, and no
 * attempt that would outlive the request's deadline (see request-deadline.ts). What still fails
 * is answered 503 with Retry-After, and the caller retries the whole idempotent request.
 */
export const REQUEST_BOUND_SDK_CLIENT_OPTIONS: SdkClientOptions = {
  maxAttempts: REQUEST_BOUND_MAX_ATTEMPTS,
  requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
  retryStrategy: deadlineBoundRetryStrategy({
    maxAttempts: REQUEST_BOUND_MAX_ATTEMPTS,
    attemptTimeoutMs: CONNECTION_TIMEOUT_MS + REQUEST_TIMEOUT_MS,
  }),
};
