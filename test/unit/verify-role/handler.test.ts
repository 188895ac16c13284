// Workflow step "Verify Role Is Assumable": the registry moves to VERIFYING, then the role is polled
// with the stored External ID until it is assumable, and must refuse to be assumed without it.
// A denial is propagation until VERIFY_TIMEOUT_SECONDS after the role was ensured, then final;
// the polling budget is the invocation's remaining time less a reserve.
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProviderRegistry } from '../../../functions/shared/adapters/registry.js';
import type { VerificationResult } from '../../../functions/shared/adapters/verification.js';
import type { WorkflowTaskEvent } from '../../../functions/shared/runtime/workflow-event.js';
import { startRegistryTable, type TestTable } from '../../support/dynamodb.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { providerRecord, registryOn } from '../../support/provider-records.js';
import { ROLE_ARN, providerSpec, registryEnvironment, sdkError, taskEvent, workflowContext } from '../../support/workflow-task-events.js';

/** The role was ensured at ENSURED_AT; VERIFY_TIMEOUT_SECONDS is 300, so the deadline is 00:05:00. */
const ENSURED_AT = '2026-11-28T00:00:00.000Z';
const BEFORE_DEADLINE = '2026-11-28T00:04:59.999Z';
const AT_DEADLINE = '2026-11-28T00:05:00.000Z';
const ASSUMED_ROLE_ARN = 'arn:aws:sts::123456789012:assumed-role/capa-payments-dev/capa-onboarding-verify-1';
const sts = mockClient(STSClient);
const context = workflowContext('verify-role');
/** 400 ms left: a 300 ms budget, so one poll and the wait is handed back (the next would start after 500 ms). */
const endingContext = { ...context, getRemainingTimeInMillis: () => 400 };
let table: TestTable;
let registry: ProviderRegistry;
let handler: (event: WorkflowTaskEvent, context: Context) => Promise<VerificationResult>;
let output: CapturedOutput;

beforeAll(async () => {
  table = await startRegistryTable();
  registry = registryOn(table);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    VERIFY_TIMEOUT_SECONDS: '300',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...registryEnvironment(table),
  });
  ({ handler } = await import('../../../functions/verify-role/handler.js'));
});

afterAll(async () => {
  await table.close();
});

beforeEach(() => {
  sts.reset();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(BEFORE_DEADLINE));
  output = captureOutput();
});

afterEach(() => {
  output.restore();
  vi.useRealTimers();
});

/** Each test owns provider payments.<name>, with its role created: the table is shared by the file. */
async function creatingProvider(name: string, overrides: Parameters<typeof providerRecord>[0] = {}) {
  const record = providerRecord({ providerId: `payments.${name}`, name, status: 'CREATING', ...overrides });
  await registry.create(record);
  return record;
}

function eventFor(name: string, attempt = 1): WorkflowTaskEvent {
  return taskEvent({
    provider: providerSpec({ providerId: `payments.${name}`, name, attempt }),
    role: { roleArn: ROLE_ARN, roleName: 'capa-payments-dev', createdByThisExecution: true, ensuredAt: ENSURED_AT },
  });
}

const withExternalId = { ExternalId: 'stored-external-id-7f3a9c1e5b2d4860' };
const withoutExternalId = { ExternalId: undefined };
const denied = () => sdkError('AccessDenied', 403, 'not authorized to perform: sts:AssumeRole');

describe('verifying the role', () => {
  it('moves the provider to VERIFYING and proves the role assumable with the stored External ID and denied without it', async () => {
    // Prepare
    const stored = await creatingProvider('verified');
    sts.on(AssumeRoleCommand, withExternalId).resolves({ AssumedRoleUser: { Arn: ASSUMED_ROLE_ARN, AssumedRoleId: 'AROA:verify' } });
    sts.on(AssumeRoleCommand, withoutExternalId).rejects(denied());

    // Act
    const verification = await handler(eventFor('verified'), context);

    // Assess
    expect(verification).toEqual({ verifiedAt: BEFORE_DEADLINE, assumedRoleArn: ASSUMED_ROLE_ARN, externalIdEnforced: true });
    expect(await registry.get('payments.verified')).toEqual({ ...stored, status: 'VERIFYING', updatedAt: BEFORE_DEADLINE });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 2);
    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input)).toEqual([
      { RoleArn: ROLE_ARN, RoleSessionName: 'capa-onboarding-verify-1', DurationSeconds: 900, ExternalId: 'stored-external-id-7f3a9c1e5b2d4860' },
      { RoleArn: ROLE_ARN, RoleSessionName: 'capa-onboarding-verify-1-no-external-id', DurationSeconds: 900 },
    ]);
  });

  it('names its sessions after the attempt', async () => {
    // Prepare
    await creatingProvider('second-attempt', { attempt: 2 });
    sts.on(AssumeRoleCommand, withExternalId).resolves({ AssumedRoleUser: { Arn: ASSUMED_ROLE_ARN, AssumedRoleId: 'AROA:verify' } });
    sts.on(AssumeRoleCommand, withoutExternalId).rejects(denied());

    // Act
    await handler(eventFor('second-attempt', 2), context);

    // Assess
    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.RoleSessionName)).toEqual([
      'capa-onboarding-verify-2',
      'capa-onboarding-verify-2-no-external-id',
    ]);
  });

  it('polls again within the same invocation while the role is denied, and succeeds once IAM lets it be assumed', async () => {
    // Prepare: the first poll is denied (propagation), the second assumes the role.
    await creatingProvider('polled');
    sts.on(AssumeRoleCommand, withExternalId).rejectsOnce(denied()).resolves({ AssumedRoleUser: { Arn: ASSUMED_ROLE_ARN, AssumedRoleId: 'AROA:verify' } });
    sts.on(AssumeRoleCommand, withoutExternalId).rejects(denied());

    // Act
    const verification = await handler(eventFor('polled'), context);

    // Assess
    expect(verification).toEqual({ verifiedAt: BEFORE_DEADLINE, assumedRoleArn: ASSUMED_ROLE_ARN, externalIdEnforced: true });
    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.RoleSessionName)).toEqual([
      'capa-onboarding-verify-1',
      'capa-onboarding-verify-1',
      'capa-onboarding-verify-1-no-external-id',
    ]);
    expect(output.jsonLines()[0]).toMatchObject({ message: 'Role assumable with its External ID, and only with it', polls: 2 });
  });

  it('logs that the role is assumable with its External ID and only with it', async () => {
    // Prepare
    await creatingProvider('logs');
    sts.on(AssumeRoleCommand, withExternalId).resolves({ AssumedRoleUser: { Arn: ASSUMED_ROLE_ARN, AssumedRoleId: 'AROA:verify' } });
    sts.on(AssumeRoleCommand, withoutExternalId).rejects(denied());

    // Act
    await handler(eventFor('logs'), context);

    // Assess
    const lines = output.jsonLines();
    expect(lines.map((line) => line.message)).toEqual(['Role assumable with its External ID, and only with it']);
    expect(lines[0]).toMatchObject({ level: 'INFO', roleArn: ROLE_ARN, providerId: 'payments.logs', polls: 1 });
  });
});

describe('the verification deadline: VERIFY_TIMEOUT_SECONDS after the role was ensured', () => {
  it('a denial one millisecond before the deadline is propagation: RoleNotYetAssumable, for the state machine to retry', async () => {
    // Prepare
    await creatingProvider('propagating');
    sts.on(AssumeRoleCommand).rejects(denied());

    // Act
    const verification = handler(eventFor('propagating'), endingContext);

    // Assess
    await expect(verification).rejects.toMatchObject({
      name: 'RoleNotYetAssumable',
      message: `${ROLE_ARN} is not assumable yet (IAM propagation; 1 AssumeRole calls in this invocation)`,
    });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
  });

  it('a denial at the deadline is final: PropagationTimeout naming the deadline', async () => {
    // Prepare
    await creatingProvider('timed-out');
    vi.setSystemTime(new Date(AT_DEADLINE));
    sts.on(AssumeRoleCommand).rejects(denied());

    // Act
    const verification = handler(eventFor('timed-out'), endingContext);

    // Assess
    await expect(verification).rejects.toMatchObject({
      name: 'PropagationTimeout',
      message: `${ROLE_ARN} was still not assumable with its External ID at 2026-11-28T00:05:00.000Z`,
    });
  });
});

describe('failures', () => {
  it('a role assumable without its External ID fails with ExternalIdNotEnforced', async () => {
    // Prepare
    await creatingProvider('not-enforced');
    sts.on(AssumeRoleCommand).resolves({ AssumedRoleUser: { Arn: ASSUMED_ROLE_ARN, AssumedRoleId: 'AROA:verify' } });

    // Act
    const verification = handler(eventFor('not-enforced'), context);

    // Assess
    await expect(verification).rejects.toMatchObject({
      name: 'ExternalIdNotEnforced',
      message: `${ROLE_ARN} can be assumed without its External ID: its trust policy does not enforce sts:ExternalId`,
    });
  });

  it('throttling that outlives the polling budget fails with TransientAwsError, for the state machine to retry', async () => {
    // Prepare
    await creatingProvider('throttled');
    sts.on(AssumeRoleCommand).rejects(sdkError('Throttling', 400, 'Rate exceeded'));

    // Act
    const verification = handler(eventFor('throttled'), endingContext);

    // Assess
    await expect(verification).rejects.toMatchObject({ name: 'TransientAwsError', message: `AssumeRole ${ROLE_ARN}: Rate exceeded` });
  });

  it('a step of an attempt the provider has moved on from fails with StaleAttemptError and assumes nothing', async () => {
    // Prepare
    const stored = await creatingProvider('stale', { attempt: 2, executionName: 'payments_stale_2' });

    // Act
    const verification = handler(eventFor('stale', 1), context);

    // Assess
    await expect(verification).rejects.toMatchObject({ name: 'StaleAttemptError', message: 'Provider payments.stale is no longer on attempt 1, or that attempt has FAILED' });
    expect(sts).not.toHaveReceivedAnyCommand();
    expect(await registry.get('payments.stale')).toEqual(stored);
  });

  it('a state without the role (the role step did not run) fails before the registry or STS is touched', async () => {
    // Prepare
    const stored = await creatingProvider('no-role');

    // Act
    const verification = handler(taskEvent({ provider: providerSpec({ providerId: 'payments.no-role', name: 'no-role' }) }), context);

    // Assess
    await expect(verification).rejects.toThrow('The workflow state has no role: the role step did not run');
    expect(sts).not.toHaveReceivedAnyCommand();
    expect(await registry.get('payments.no-role')).toEqual(stored);
  });
});
