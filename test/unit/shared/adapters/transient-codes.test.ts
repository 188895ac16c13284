// The error codes that mean throttling or a server-side failure, as AWS services name them (also
// per entry, as PutEvents reports them), recognised without an HTTP status.
import { describe, expect, it } from 'vitest';
import { isTransient, isTransientCode } from '../../../../functions/shared/adapters/aws-errors.js';

describe('isTransientCode', () => {
  it.each([
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
  ])('%s is transient', (code) => {
    // Act
    const transient = isTransientCode(code);

    // Assess
    expect(transient).toBe(true);
  });

  it.each([undefined, '', 'AccessDeniedException', 'ValidationException'])('%s is not transient', (code) => {
    // Act
    const transient = isTransientCode(code);

    // Assess
    expect(transient).toBe(false);
  });
});

describe('isTransient', () => {
  it.each(['ServiceUnavailableException', 'InternalFailure', 'InternalError', 'ServiceFailure'])('an error named %s, without a status, is transient', (name) => {
    // Act
    const transient = isTransient(Object.assign(new Error('failed'), { name }));

    // Assess
    expect(transient).toBe(true);
  });
});
