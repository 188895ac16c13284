// Workflow steps "Record Provider Ready" and "Record Provider Failed": the registry transition of
// this attempt, then the provider event on the service's bus. A provider that moved on to a newer
// attempt is left alone: neither its record nor an event may carry this run's outcome.
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProviderRegistry } from '../../../functions/shared/adapters/registry.js';
import type { RecordedOutcome, RecordResultEvent } from '../../../functions/record-result/handler.js';
import type { WorkflowState } from '../../../functions/shared/runtime/workflow-event.js';
import { startRegistryTable, type TestTable } from '../../support/dynamodb.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { providerRecord, registryOn } from '../../support/provider-records.js';
import {
  EXECUTION_ARN,
  POLICY_ARN,
  ROLE_ARN,
  providerSpec,
  registryEnvironment,
  sdkError,
  taskEvent,
  workflowContext,
} from '../../support/workflow-task-events.js';

const NOW = '2026-11-28T00:07:00.000Z';
const POLICY_VERSION = 'sha256:94279e60de6f460d';
const NOT_ENFORCED = `${ROLE_ARN} can be assumed without its External ID: its trust policy does not enforce sts:ExternalId`;
const GRANT = 'arn:aws:iam::000000000000:role/capa-management grant for arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev';
const eventBridge = mockClient(EventBridgeClient);
const context = workflowContext('record-result');
let table: TestTable;
let registry: ProviderRegistry;
let handler: (event: RecordResultEvent, context: Context) => Promise<RecordedOutcome>;
let output: CapturedOutput;

beforeAll(async () => {
  table = await startRegistryTable();
  registry = registryOn(table);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    EVENT_BUS_NAME: 'capa-provider-onboarding',
    EVENT_SOURCE: 'capa.provider-onboarding',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...registryEnvironment(table),
  });
  ({ handler } = await import('../../../functions/record-result/handler.js'));
});

afterAll(async () => {
  await table.close();
});

beforeEach(() => {
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(NOW));
  output = captureOutput();
});

afterEach(() => {
  output.restore();
  vi.useRealTimers();
});

/** Each test owns provider payments.<name>, being verified: the table is shared by the file. */
async function verifyingProvider(name: string, overrides: Parameters<typeof providerRecord>[0] = {}) {
  const record = providerRecord({ providerId: `payments.${name}`, name, status: 'VERIFYING', ...overrides });
  await registry.create(record);
  return record;
}

const role = { roleArn: ROLE_ARN, roleName: 'capa-payments-dev', createdByThisExecution: true, ensuredAt: '2026-11-28T00:00:00.000Z' };

function outcomeEvent(name: string, outcome: 'READY' | 'FAILED', state: Partial<WorkflowState>, attempt = 1): RecordResultEvent {
  return { ...taskEvent({ provider: providerSpec({ providerId: `payments.${name}`, name, attempt }), ...state }), outcome };
}

const readyState: Partial<WorkflowState> = {
  role,
  policies: { policyArns: [POLICY_ARN], policyVersion: POLICY_VERSION },
  grant: { mode: 'path', changed: true },
  verification: { verifiedAt: '2026-11-28T00:06:00.000Z', assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/capa-payments-dev/v', externalIdEnforced: true },
};

/** A verification that found the External ID not enforced, caught as Step Functions catches a Lambda error. */
const notEnforced = {
  Error: 'ExternalIdNotEnforced',
  Cause: JSON.stringify({ errorType: 'ExternalIdNotEnforced', errorMessage: NOT_ENFORCED, trace: [] }),
};

/** The single PutEvents entry sent, with its detail parsed. */
function sentEntry() {
  const entries = eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries!;
  expect(entries).toHaveLength(1);
  return { ...entries[0], Detail: JSON.parse(entries[0]!.Detail!) };
}

describe('READY', () => {
  it('records the provider READY with its role, policies and time, and answers READY with no reason', async () => {
    // Prepare
    const stored = await verifyingProvider('ready');

    // Act
    const outcome = await handler(outcomeEvent('ready', 'READY', readyState), context);

    // Assess
    expect(outcome).toEqual({ status: 'READY', reason: null, message: null });
    expect(await registry.get('payments.ready')).toEqual({
      ...stored,
      status: 'READY',
      roleArn: ROLE_ARN,
      policyArns: [POLICY_ARN],
      policyVersion: POLICY_VERSION,
      readyAt: NOW,
      updatedAt: NOW,
    });
  });

  it('publishes "Provider Ready" on the bus with exactly the public fields of the provider, no External ID', async () => {
    // Prepare
    await verifyingProvider('ready-event');

    // Act
    await handler(outcomeEvent('ready-event', 'READY', readyState), context);

    // Assess
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(sentEntry()).toEqual({
      EventBusName: 'capa-provider-onboarding',
      Source: 'capa.provider-onboarding',
      DetailType: 'Provider Ready',
      Resources: [ROLE_ARN],
      Detail: {
        providerId: 'payments.ready-event',
        workspace: 'payments',
        name: 'ready-event',
        accountId: '123456789012',
        roleArn: ROLE_ARN,
        status: 'READY',
        reason: null,
        message: null,
        policyVersion: POLICY_VERSION,
        executionArn: EXECUTION_ARN,
      },
    });
  });

  it('a state without policies records READY with the role alone, leaving the policy fields unset', async () => {
    // Prepare
    const stored = await verifyingProvider('ready-no-policies');

    // Act
    const outcome = await handler(outcomeEvent('ready-no-policies', 'READY', { role }), context);

    // Assess
    expect(outcome).toEqual({ status: 'READY', reason: null, message: null });
    expect(await registry.get('payments.ready-no-policies')).toEqual({ ...stored, status: 'READY', roleArn: ROLE_ARN, readyAt: NOW, updatedAt: NOW });
  });

  it('logs the provider ready with its role and policy version', async () => {
    // Prepare
    await verifyingProvider('ready-logs');

    // Act
    await handler(outcomeEvent('ready-logs', 'READY', readyState), context);

    // Assess
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Provider ready']);
    expect(lines[0]).toMatchObject({ level: 'INFO', roleArn: ROLE_ARN, policyVersion: POLICY_VERSION, providerId: 'payments.ready-logs' });
  });

  it('a state without the role fails the step and records nothing', async () => {
    // Prepare
    const stored = await verifyingProvider('ready-no-role');

    // Act
    const recording = handler(outcomeEvent('ready-no-role', 'READY', {}), context);

    // Assess
    await expect(recording).rejects.toThrow('The workflow state has no role: the role step did not run');
    expect(await registry.get('payments.ready-no-role')).toEqual(stored);
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });

  it('an event EventBridge rejects in its answer fails the step, so the state machine does not report an onboarding nobody heard of', async () => {
    // Prepare
    await verifyingProvider('ready-lost-event');
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal failure' }] });

    // Act
    const recording = handler(outcomeEvent('ready-lost-event', 'READY', readyState), context);

    // Assess
    await expect(recording).rejects.toThrow('EventBridge rejected "Provider Ready": InternalFailure Internal failure');
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('a PutEvents call that fails with a 5xx fails the step as TransientAwsError, so the state machine retries it', async () => {
    // Prepare
    await verifyingProvider('ready-bus-down');
    eventBridge.on(PutEventsCommand).rejects(sdkError('InternalException', 500, 'Internal error'));

    // Act
    const recording = handler(outcomeEvent('ready-bus-down', 'READY', readyState), context);

    // Assess
    await expect(recording).rejects.toMatchObject({ name: 'TransientAwsError' });
    await expect(recording).rejects.toThrow('Internal error');
  });

  it('a PutEvents call refused for a client reason fails the step with that error', async () => {
    // Prepare
    await verifyingProvider('ready-bus-denied');
    eventBridge.on(PutEventsCommand).rejects(sdkError('AccessDeniedException', 400, 'not authorized to perform: events:PutEvents'));

    // Act
    const recording = handler(outcomeEvent('ready-bus-denied', 'READY', readyState), context);

    // Assess
    await expect(recording).rejects.toMatchObject({ name: 'AccessDeniedException', message: 'not authorized to perform: events:PutEvents' });
  });
});

describe('FAILED', () => {
  it('records the reason and a message saying what failed and what compensation removed', async () => {
    // Prepare
    const stored = await verifyingProvider('failed');
    const state = { ...readyState, error: notEnforced, compensation: { removed: [POLICY_ARN, ROLE_ARN, GRANT] } };
    const message = `${NOT_ENFORCED} Removed what this run created: ${POLICY_ARN}, ${ROLE_ARN}, ${GRANT}.`;

    // Act
    const outcome = await handler(outcomeEvent('failed', 'FAILED', state), context);

    // Assess
    expect(outcome).toEqual({ status: 'FAILED', reason: 'EXTERNAL_ID_NOT_ENFORCED', message });
    expect(await registry.get('payments.failed')).toEqual({
      ...stored,
      status: 'FAILED',
      reason: 'EXTERNAL_ID_NOT_ENFORCED',
      message,
      updatedAt: NOW,
    });
  });

  it('a compensation that itself failed is named in the message, pointing to the execution history', async () => {
    // Prepare
    await verifyingProvider('cleanup-failed');
    const compensationError = {
      Error: 'TransientAwsError',
      Cause: JSON.stringify({ errorType: 'TransientAwsError', errorMessage: 'DeleteRole capa-payments-dev: Rate exceeded', trace: [] }),
    };
    const state = { ...readyState, error: notEnforced, compensationError };

    // Act
    const outcome = await handler(outcomeEvent('cleanup-failed', 'FAILED', state), context);

    // Assess
    expect(outcome).toEqual({
      status: 'FAILED',
      reason: 'EXTERNAL_ID_NOT_ENFORCED',
      message: `${NOT_ENFORCED} Cleanup failed (DeleteRole capa-payments-dev: Rate exceeded); see the execution history.`,
    });
  });

  it('a run that timed out, with nothing to remove, is recorded as TIMEOUT with the cause alone', async () => {
    // Prepare
    const stored = await verifyingProvider('timeout');
    const state = { error: { Error: 'States.Timeout', Cause: 'Task timed out' }, compensation: { removed: [] } };

    // Act
    const outcome = await handler(outcomeEvent('timeout', 'FAILED', state), context);

    // Assess
    expect(outcome).toEqual({ status: 'FAILED', reason: 'TIMEOUT', message: 'Task timed out' });
    expect(await registry.get('payments.timeout')).toEqual({ ...stored, status: 'FAILED', reason: 'TIMEOUT', message: 'Task timed out', updatedAt: NOW });
  });

  it('publishes "Provider Failed" with the reason and message, no External ID', async () => {
    // Prepare
    await verifyingProvider('failed-event');
    const state = { error: notEnforced, compensation: { removed: [] } };

    // Act
    await handler(outcomeEvent('failed-event', 'FAILED', state), context);

    // Assess
    expect(sentEntry()).toEqual({
      EventBusName: 'capa-provider-onboarding',
      Source: 'capa.provider-onboarding',
      DetailType: 'Provider Failed',
      Resources: [ROLE_ARN],
      Detail: {
        providerId: 'payments.failed-event',
        workspace: 'payments',
        name: 'failed-event',
        accountId: '123456789012',
        roleArn: ROLE_ARN,
        status: 'FAILED',
        reason: 'EXTERNAL_ID_NOT_ENFORCED',
        message: NOT_ENFORCED,
        policyVersion: null,
        executionArn: EXECUTION_ARN,
      },
    });
  });

  it('logs a warning with the reason and the failure message', async () => {
    // Prepare
    await verifyingProvider('failed-logs');
    const state = { error: notEnforced, compensation: { removed: [] } };

    // Act
    await handler(outcomeEvent('failed-logs', 'FAILED', state), context);

    // Assess
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Provider onboarding failed']);
    expect(lines[0]).toMatchObject({ level: 'WARN', reason: 'EXTERNAL_ID_NOT_ENFORCED', failureMessage: NOT_ENFORCED, providerId: 'payments.failed-logs' });
  });

  it('an event EventBridge rejects in its answer fails the step', async () => {
    // Prepare
    await verifyingProvider('failed-lost-event');
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'Internal failure' }] });

    // Act
    const recording = handler(outcomeEvent('failed-lost-event', 'FAILED', { error: notEnforced }), context);

    // Assess
    await expect(recording).rejects.toThrow('EventBridge rejected "Provider Failed": InternalFailure Internal failure');
  });
});

describe('an outcome of an attempt the provider has moved on from', () => {
  it('READY is returned as the outcome, without touching the newer attempt\'s record or publishing', async () => {
    // Prepare
    const stored = await verifyingProvider('stale-ready', { status: 'PENDING', attempt: 2, executionName: 'payments_stale-ready_2' });

    // Act
    const outcome = await handler(outcomeEvent('stale-ready', 'READY', readyState, 1), context);

    // Assess
    expect(outcome).toEqual({ status: 'READY', reason: null, message: null });
    expect(await registry.get('payments.stale-ready')).toEqual(stored);
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });

  it('FAILED is returned with its reason and message, without touching the newer attempt\'s record or publishing', async () => {
    // Prepare
    const stored = await verifyingProvider('stale-failed', { status: 'PENDING', attempt: 2, executionName: 'payments_stale-failed_2' });
    const state = { error: notEnforced, compensation: { removed: [ROLE_ARN] } };

    // Act
    const outcome = await handler(outcomeEvent('stale-failed', 'FAILED', state, 1), context);

    // Assess
    expect(outcome).toEqual({
      status: 'FAILED',
      reason: 'EXTERNAL_ID_NOT_ENFORCED',
      message: `${NOT_ENFORCED} Removed what this run created: ${ROLE_ARN}.`,
    });
    expect(await registry.get('payments.stale-failed')).toEqual(stored);
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });

  it('logs a warning that the outcome was not recorded', async () => {
    // Prepare
    await verifyingProvider('stale-logs', { status: 'PENDING', attempt: 2 });

    // Act
    await handler(outcomeEvent('stale-logs', 'READY', readyState, 1), context);

    // Assess
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Outcome not recorded: the provider moved on to a newer attempt or this attempt has ended']);
    expect(lines[0]).toMatchObject({ level: 'WARN', outcome: 'READY', providerId: 'payments.stale-logs' });
  });
});
