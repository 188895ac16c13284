// Reading Step Functions' "Execution Status Change" events, and the failure a provider records when
// its execution ended without recording an outcome.
import { describe, expect, it } from 'vitest';
import {
  endedExecutionOf,
  failureOfEndedExecution,
  type ExecutionStatusChangeEvent,
} from '../../../../functions/shared/domain/ended-execution.js';

const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:OnboardProvider:payments_dev_2';

/** The event as Step Functions sends it to the default bus (AWS's sample, with this product's input). */
function statusChange(detail: Record<string, unknown>, envelope: Partial<ExecutionStatusChangeEvent> = {}): ExecutionStatusChangeEvent {
  return {
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    detail: {
      executionArn: EXECUTION_ARN,
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:OnboardProvider',
      name: 'payments_dev_2',
      status: 'ABORTED',
      startDate: 1_764_300_000_000,
      stopDate: 1_764_300_030_000,
      input: '{"provider":{"providerId":"payments.dev","workspace":"payments","name":"dev","accountId":"123456789012","roleName":"capa-payments-dev","rolePath":"/capa-providers/","trustEc2":true,"attempt":2}}',
      inputDetails: { included: true },
      output: null,
      outputDetails: null,
      error: null,
      cause: null,
      ...detail,
    } as ExecutionStatusChangeEvent['detail'],
    ...envelope,
  };
}

describe('endedExecutionOf', () => {
  it('reads the execution, its status and the provider from its input', () => {
    // Act
    const ended = endedExecutionOf(statusChange({ status: 'TIMED_OUT' }));

    // Assess
    expect(ended).toEqual({ executionArn: EXECUTION_ARN, executionName: 'payments_dev_2', status: 'TIMED_OUT', providerId: 'payments.dev' });
  });

  it('keeps the error and cause of a failed execution', () => {
    // Act
    const ended = endedExecutionOf(statusChange({ status: 'FAILED', error: 'TransientAwsError', cause: 'UpdateItem: throttled' }));

    // Assess
    expect(ended).toEqual({
      executionArn: EXECUTION_ARN,
      executionName: 'payments_dev_2',
      status: 'FAILED',
      error: 'TransientAwsError',
      cause: 'UpdateItem: throttled',
      providerId: 'payments.dev',
    });
  });

  it('finds the provider from the execution name when the input was left out of the event (too large)', () => {
    // Act
    const ended = endedExecutionOf(statusChange({ input: null, inputDetails: { included: false } }));

    // Assess
    expect(ended?.providerId).toBe('payments.dev');
  });

  it('names no provider for an execution whose input and name do not identify one', () => {
    // Act
    const ended = endedExecutionOf(statusChange({ input: '{"something":"else"}', name: 'c7a1f0e2-manual-run' }));

    // Assess
    expect(ended).toEqual({ executionArn: EXECUTION_ARN, executionName: 'c7a1f0e2-manual-run', status: 'ABORTED' });
  });

  it.each<[string, ExecutionStatusChangeEvent]>([
    ['a running execution', statusChange({ status: 'RUNNING' })],
    ['another source', statusChange({}, { source: 'capa-provider-onboarding' })],
    ['another detail-type', statusChange({}, { 'detail-type': 'AWS API Call via CloudTrail' })],
    ['an event without an execution ARN', statusChange({ executionArn: undefined })],
  ])('is undefined for %s', (_what, event) => {
    // Act
    const ended = endedExecutionOf(event);

    // Assess
    expect(ended).toBeUndefined();
  });
});

describe('failureOfEndedExecution', () => {
  const ended = { executionArn: EXECUTION_ARN, executionName: 'payments_dev_2', providerId: 'payments.dev' };

  it('an operator stop is EXECUTION_ABORTED, naming the error and cause given to StopExecution', () => {
    // Act
    const failure = failureOfEndedExecution({ ...ended, status: 'ABORTED', error: 'Operator', cause: 'wrong account' });

    // Assess
    expect(failure).toEqual({ reason: 'EXECUTION_ABORTED', message: 'Execution payments_dev_2 was stopped before it recorded an outcome (Operator: wrong account).' });
  });

  it('a stop without error or cause is EXECUTION_ABORTED', () => {
    // Act
    const failure = failureOfEndedExecution({ ...ended, status: 'ABORTED' });

    // Assess
    expect(failure).toEqual({ reason: 'EXECUTION_ABORTED', message: 'Execution payments_dev_2 was stopped before it recorded an outcome.' });
  });

  it("the state machine's timeout is TIMEOUT", () => {
    // Act
    const failure = failureOfEndedExecution({ ...ended, status: 'TIMED_OUT', error: 'States.Timeout' });

    // Assess
    expect(failure).toEqual({ reason: 'TIMEOUT', message: 'Execution payments_dev_2 timed out before it recorded an outcome.' });
  });

  it("a failure without the workflow's own Record step is INTERNAL with the execution's error message", () => {
    // Act
    const failure = failureOfEndedExecution({
      ...ended,
      status: 'FAILED',
      error: 'TransientAwsError',
      cause: '{"errorType":"TransientAwsError","errorMessage":"UpdateItem: Rate exceeded","trace":[]}',
    });

    // Assess
    expect(failure).toEqual({ reason: 'INTERNAL', message: 'Execution payments_dev_2 failed before it recorded an outcome: UpdateItem: Rate exceeded' });
  });

  it('keeps the first 1,000 characters of a long cause', () => {
    // Act
    const failure = failureOfEndedExecution({ ...ended, status: 'FAILED', error: 'States.Runtime', cause: 'x'.repeat(5_000) });

    // Assess
    expect(failure.message).toBe(`Execution payments_dev_2 failed before it recorded an outcome: ${'x'.repeat(1_000)}…`);
  });
});
