// The wrapper every handler shares: a failure is logged once, as a warning when the state machine
// retries it and as an error otherwise; the event itself is never logged; keys added during one
// invocation do not leak into the next; each line carries the Lambda context.
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RoleConflict, RoleNotYetAssumable, TransientAwsError } from '../../../../functions/shared/domain/errors.js';
import { captureOutput, type CapturedOutput } from '../../../support/output-capture.js';

type Wrap = typeof import('../../../../functions/shared/runtime/middleware.js').withMiddleware;
type Logger = typeof import('../../../../functions/shared/runtime/logger.js').logger;

const context = { functionName: 'create-role', awsRequestId: 'request-7', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
let withMiddleware: Wrap;
let logger: Logger;
let output: CapturedOutput;
const previousEnv = { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL, POWERTOOLS_LOGGER_LOG_EVENT: process.env.POWERTOOLS_LOGGER_LOG_EVENT };

beforeAll(async () => {
  // The most verbose settings a deployment could choose, event logging included.
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_LOGGER_LOG_EVENT: 'true' });
  ({ withMiddleware } = await import('../../../../functions/shared/runtime/middleware.js'));
  ({ logger } = await import('../../../../functions/shared/runtime/logger.js'));
});

afterAll(() => {
  // Other test files may share this process: leave the environment as it was.
  for (const [name, value] of Object.entries(previousEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

beforeEach(() => {
  output = captureOutput();
});

afterEach(() => {
  output.restore();
});

const failingWith = (error: Error) => withMiddleware(async (_event: { providerId: string }) => Promise.reject(error));

describe('a failed invocation', () => {
  it.each([
    ['RoleNotYetAssumable', new RoleNotYetAssumable('not yet')],
    ['TransientAwsError', new TransientAwsError('CreateRole: Rate exceeded')],
  ])('is logged as a warning when the workflow retries it (%s)', async (name, error) => {
    // Prepare
    const handler = failingWith(error);

    // Act
    const invocation = handler({ providerId: 'payments.dev' }, context);

    // Assess
    await expect(invocation).rejects.toBe(error);
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Invocation failed']);
    expect(lines[0]).toMatchObject({ level: 'WARN', errorName: name, errorMessage: error.message, error: { name, message: error.message } });
  });

  it('is logged as an error, by name and message, with the service and Lambda context, when nothing retries it', async () => {
    // Prepare
    const handler = failingWith(new RoleConflict('Role capa-payments-dev already exists'));

    // Act
    const invocation = handler({ providerId: 'payments.dev' }, context);

    // Assess
    await expect(invocation).rejects.toThrow('Role capa-payments-dev already exists');
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Invocation failed']);
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      errorName: 'RoleConflict',
      errorMessage: 'Role capa-payments-dev already exists',
      function_name: 'create-role',
      function_request_id: 'request-7',
      service: 'capa-provider-onboarding',
    });
  });
});

describe('a successful invocation', () => {
  it('never logs the event, even with event logging switched on', async () => {
    // Prepare
    const handler = withMiddleware(async (event: { externalId: string }) => ({ length: event.externalId.length }));

    // Act
    const result = await handler({ externalId: 'secret-external-id-0001' }, context);

    // Assess
    expect(result).toEqual({ length: 23 });
    expect(output.text()).not.toContain('secret-external-id-0001');
  });

  it('starts each invocation without the keys the previous one appended', async () => {
    // Prepare
    const handler = withMiddleware(async (event: { providerId?: string }) => {
      if (event.providerId) logger.appendKeys({ providerId: event.providerId });
      logger.info('Step done');
    });

    // Act
    await handler({ providerId: 'payments.dev' }, context);
    await handler({}, context);

    // Assess
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Step done', 'Step done']);
    expect(lines[0]).toMatchObject({ providerId: 'payments.dev', function_name: 'create-role' });
    expect(lines[1]).not.toHaveProperty('providerId');
  });
});
