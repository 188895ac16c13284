// Recognising AWS SDK errors by what they mean rather than by class.
import { TransientAwsError } from '../domain/errors.js';

interface SdkError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
  message?: string;
}

function errorCode(error: unknown): string | undefined {
  const e = error as SdkError | undefined;
  return e?.name ?? e?.Code;
}

export function isAccessDenied(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'AccessDenied' || code === 'AccessDeniedException';
}

export function isNoSuchEntity(error: unknown): boolean {
  return errorCode(error) === 'NoSuchEntity' || errorCode(error) === 'NoSuchEntityException';
}

export function isEntityAlreadyExists(error: unknown): boolean {
  return errorCode(error) === 'EntityAlreadyExists' || errorCode(error) === 'EntityAlreadyExistsException';
}

/** IAM refuses to delete an entity something still refers to (attachments, inline policies, instance profiles). */
export function isDeleteConflict(error: unknown): boolean {
  return errorCode(error) === 'DeleteConflict' || errorCode(error) === 'DeleteConflictException';
}

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'ServiceFailure',
]);

/** An error code that means throttling or a server-side failure (also per entry, as PutEvents reports them). */
export function isTransientCode(code: string | undefined): boolean {
  return THROTTLING_CODES.has(code ?? '');
}

/** Throttling and server-side failures: safe to try again later. */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransientAwsError) return true;
  const e = error as SdkError | undefined;
  const status = e?.$metadata?.httpStatusCode ?? 0;
  return isTransientCode(errorCode(error)) || e?.$retryable?.throttling === true || status >= 500;
}

/**
 * Rethrows what the SDK's own retries could not absorb as TransientAwsError, so the state machine
 * retries the whole (idempotent) step with backoff; anything else is rethrown unchanged.
 */
export function rethrowTransient(error: unknown, what: string): never {
  if (error instanceof TransientAwsError) throw error;
  if (isTransient(error)) {
    throw new TransientAwsError(`${what}: ${(error as SdkError).message ?? String(error)}`);
  }
  throw error;
}

/** One AWS call whose throttling or 5xx, once the SDK's retries are spent, becomes TransientAwsError. */
export async function callAws<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    return rethrowTransient(error, what);
  }
}
