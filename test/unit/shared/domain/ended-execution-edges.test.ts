// The edges of reading "Execution Status Change" events: which events announce an ended execution,
// how the provider is found when the input does not name one, and the failure of a SUCCEEDED or a
// stopped execution with a long cause.
import { describe, expect, it } from 'vitest';
import { endedExecutionOf, failureOfEndedExecution, type ExecutionStatusChangeEvent } from '../../../../functions/shared/domain/ended-execution.js';

const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:OnboardProvider:payments_dev_2';
const INPUT = '{"provider":{"providerId":"payments.dev","workspace":"payments","name":"dev","attempt":2}}';

function statusChange(detail: NonNullable<ExecutionStatusChangeEvent['detail']>): ExecutionStatusChangeEvent {
  return {
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    detail: { executionArn: EXECUTION_ARN, name: 'payments_dev_2', status: 'FAILED', input: INPUT, error: null, cause: null, ...detail },
  };
}

describe('endedExecutionOf', () => {
  it('reads a SUCCEEDED execution as ended', () => {
    // Act
    const ended = endedExecutionOf(statusChange({ status: 'SUCCEEDED' }));

    // Assess
    expect(ended).toEqual({ executionArn: EXECUTION_ARN, executionName: 'payments_dev_2', status: 'SUCCEEDED', providerId: 'payments.dev' });
  });

  it('keeps the cause of an execution stopped with a cause and no error', () => {
    // Act
    const ended = endedExecutionOf(statusChange({ status: 'ABORTED', cause: 'wrong account' }));

    // Assess
    expect(ended).toEqual({ executionArn: EXECUTION_ARN, executionName: 'payments_dev_2', status: 'ABORTED', cause: 'wrong account', providerId: 'payments.dev' });
  });

  it.each<[string, ExecutionStatusChangeEvent]>([
    ['an event without a detail', { source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change' }],
    ['an event without an execution name', statusChange({ name: undefined })],
    ['an event without a status', statusChange({ status: undefined })],
    ['an empty status', statusChange({ status: '' })],
  ])('is undefined for %s', (_what, event) => {
    // Act
    const ended = endedExecutionOf(event);

    // Assess
    expect(ended).toBeUndefined();
  });

  it.each([
    ['input that is not JSON', '{"provider":'],
    ['a providerId that is not a string', '{"provider":{"providerId":42}}'],
    ['a providerId that is not <workspace>.<name>', '{"provider":{"providerId":"Payments.Dev"}}'],
    ['input without a provider', '{"something":"else"}'],
  ])('falls back to the execution name for %s', (_what, input) => {
    // Act
    const ended = endedExecutionOf(statusChange({ input, name: 'search_prod_3' }));

    // Assess
    expect(ended).toEqual({ executionArn: EXECUTION_ARN, executionName: 'search_prod_3', status: 'FAILED', providerId: 'search.prod' });
  });

  it('finds the provider of a name with a multi-digit attempt', () => {
    // Act
    const ended = endedExecutionOf(statusChange({ input: null, name: 'search_prod_12' }));

    // Assess
    expect(ended?.providerId).toBe('search.prod');
  });

  it.each([
    ['a name with something before the workspace', 'Run_search_prod_3'],
    ['a name with something after the attempt', 'search_prod_3x'],
    ['a name without an attempt', 'search_prod_'],
    ['a name whose parts are not DNS labels', 'search-_prod-_3'],
  ])('names no provider for %s', (_what, name) => {
    // Act
    const ended = endedExecutionOf(statusChange({ input: null, name }));

    // Assess
    expect(ended).toEqual({ executionArn: EXECUTION_ARN, executionName: name, status: 'FAILED' });
  });
});

describe('the provider of an ended execution', () => {
  it('is the one its input names, even when its name reads as another provider', () => {
    // Act
    const ended = endedExecutionOf(statusChange({ name: 'search_prod_3' }));

    // Assess
    expect(ended?.providerId).toBe('payments.dev');
  });

  it('is absent, not undefined, when neither input nor name identify one', () => {
    // Act
    const ended = endedExecutionOf(statusChange({ input: null, name: 'c7a1f0e2-manual-run' }));

    // Assess
    expect(ended).not.toHaveProperty('providerId');
  });
});

describe('failureOfEndedExecution', () => {
  const ended = { executionArn: EXECUTION_ARN, executionName: 'payments_dev_2', providerId: 'payments.dev' };

  it('a SUCCEEDED execution that recorded nothing is INTERNAL', () => {
    // Act
    const failure = failureOfEndedExecution({ ...ended, status: 'SUCCEEDED' });

    // Assess
    expect(failure).toEqual({ reason: 'INTERNAL', message: 'Execution payments_dev_2 succeeded without recording an outcome.' });
  });

  it('a stop with only a cause names the cause', () => {
    // Act
    const failure = failureOfEndedExecution({ ...ended, status: 'ABORTED', cause: 'wrong account' });

    // Assess
    expect(failure).toEqual({ reason: 'EXECUTION_ABORTED', message: 'Execution payments_dev_2 was stopped before it recorded an outcome (wrong account).' });
  });

  it('a stop keeps the first 1,000 characters of a long cause', () => {
    // Act
    const failure = failureOfEndedExecution({ ...ended, status: 'ABORTED', cause: 'y'.repeat(1_500) });

    // Assess
    expect(failure.message).toBe(`Execution payments_dev_2 was stopped before it recorded an outcome (${'y'.repeat(1_000)}…).`);
  });

  it('a cause of exactly 1,000 characters is kept whole', () => {
    // Act
    const failure = failureOfEndedExecution({ ...ended, status: 'FAILED', error: 'States.Runtime', cause: 'z'.repeat(1_000) });

    // Assess
    expect(failure.message).toBe(`Execution payments_dev_2 failed before it recorded an outcome: ${'z'.repeat(1_000)}`);
  });

  it('a failure whose error the workflow names keeps its reason', () => {
    // Act
    const failure = failureOfEndedExecution({ ...ended, status: 'FAILED', error: 'States.Timeout' });

    // Assess
    expect(failure).toEqual({ reason: 'TIMEOUT', message: 'Execution payments_dev_2 failed before it recorded an outcome: States.Timeout' });
  });
});
