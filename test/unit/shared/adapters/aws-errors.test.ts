import { describe, expect, it } from 'vitest';
import {
  isAccessDenied,
  isEntityAlreadyExists,
  isNoSuchEntity,
  isTransient,
  rethrowTransient,
} from '../../../../functions/shared/adapters/aws-errors.js';
import { TransientAwsError } from '../../../../functions/shared/domain/errors.js';

/** An error shaped as the AWS SDK v3 throws it. */
function sdkError(name: string, httpStatusCode: number, extra: object = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode }, ...extra });
}

describe('isTransient: what is safe to retry later', () => {
  it.each([
    ['a 500 (the boundary of server errors)', sdkError('UnknownError', 500)],
    ['a 502', sdkError('UnknownError', 502)],
    ['a 503', sdkError('UnknownError', 503)],
    ['Throttling', sdkError('Throttling', 400)],
    ['ThrottlingException', sdkError('ThrottlingException', 400)],
    ['TooManyRequestsException', sdkError('TooManyRequestsException', 429)],
    ['RequestLimitExceeded', sdkError('RequestLimitExceeded', 400)],
    ['ProvisionedThroughputExceededException', sdkError('ProvisionedThroughputExceededException', 400)],
    ['ServiceUnavailable without a status', Object.assign(new Error('down'), { name: 'ServiceUnavailable' })],
    ['an error the SDK marks $retryable.throttling', sdkError('SlowDown', 400, { $retryable: { throttling: true } })],
    ['a query-protocol error known by its Code', { Code: 'Throttling', message: 'Rate exceeded' }],
  ])('%s is transient', (_label, error) => {
    // Act
    const transient = isTransient(error);

    // Assess
    expect(transient).toBe(true);
  });

  it.each([
    ['a 499', sdkError('UnknownError', 499)],
    ['AccessDenied (403)', sdkError('AccessDenied', 403)],
    ['NoSuchEntity (404)', sdkError('NoSuchEntity', 404)],
    ['ValidationError (400)', sdkError('ValidationError', 400)],
    ['ConditionalCheckFailedException (400)', sdkError('ConditionalCheckFailedException', 400)],
    ['an error the SDK marks retryable but not as throttling', sdkError('RequestTimeout', 400, { $retryable: { throttling: false } })],
    ['a plain TypeError', new TypeError('x is undefined')],
    ['undefined', undefined],
  ])('%s is not transient', (_label, error) => {
    // Act
    const transient = isTransient(error);

    // Assess
    expect(transient).toBe(false);
  });
});

describe('rethrowTransient', () => {
  it('rethrows a transient error as TransientAwsError naming what failed', () => {
    // Prepare
    const error = sdkError('Throttling', 400);

    // Act
    const rethrow = () => rethrowTransient(error, 'CreateRole capa-a');

    // Assess
    expect(rethrow).toThrow(TransientAwsError);
    expect(rethrow).toThrow('CreateRole capa-a: Throttling happened');
  });

  it('rethrows any other error unchanged', () => {
    // Prepare
    const error = sdkError('AccessDenied', 403);

    // Act
    const rethrow = () => rethrowTransient(error, 'CreateRole capa-a');

    // Assess
    expect(rethrow).toThrow(error);
  });
});

describe('error codes recognised by meaning', () => {
  it.each([
    ['AccessDenied', true],
    ['AccessDeniedException', true],
    ['UnauthorizedOperation', false],
  ])('isAccessDenied(%s) is %s', (name, expected) => {
    // Act
    const denied = isAccessDenied(sdkError(name, 403));

    // Assess
    expect(denied).toBe(expected);
  });

  it.each([
    ['NoSuchEntity', true],
    ['NoSuchEntityException', true],
    ['NotFound', false],
  ])('isNoSuchEntity(%s) is %s', (name, expected) => {
    // Act
    const missing = isNoSuchEntity(sdkError(name, 404));

    // Assess
    expect(missing).toBe(expected);
  });

  it.each([
    ['EntityAlreadyExists', true],
    ['EntityAlreadyExistsException', true],
    ['LimitExceeded', false],
  ])('isEntityAlreadyExists(%s) is %s', (name, expected) => {
    // Act
    const exists = isEntityAlreadyExists(sdkError(name, 409));

    // Assess
    expect(exists).toBe(expected);
  });
});
