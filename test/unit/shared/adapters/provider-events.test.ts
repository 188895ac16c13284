import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { providerEventDetail, publishProviderEvent } from '../../../../functions/shared/adapters/provider-events.js';
import { providerRecord } from '../../../support/provider-records.js';

const eventBridge = mockClient(EventBridgeClient);
const bus = { busName: 'capa-provider-onboarding', source: 'capa-provider-onboarding' };
const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_dev_1';
const EXTERNAL_ID = 'stored-external-id-7f3a9c1e5b2d4860';

beforeEach(() => eventBridge.reset());

describe('provider event detail', () => {
  it('has exactly the documented keys, and no value is the External ID', () => {
    // Prepare
    const record = providerRecord({ externalId: EXTERNAL_ID, policyVersion: 'sha256:0123456789abcdef', policyArns: ['arn:aws:iam::123456789012:policy/capa'] });

    // Act
    const detail = providerEventDetail(record, EXECUTION_ARN);

    // Assess
    expect(Object.keys(detail).sort()).toEqual([
      'accountId',
      'executionArn',
      'message',
      'name',
      'policyVersion',
      'providerId',
      'reason',
      'roleArn',
      'status',
      'workspace',
    ]);
    expect(Object.values(detail)).not.toContain(EXTERNAL_ID);
    expect(JSON.stringify(detail)).not.toContain(EXTERNAL_ID);
  });

  it('carries a READY provider as the README shows it', () => {
    // Prepare
    const record = providerRecord({ policyVersion: 'sha256:0123456789abcdef' });

    // Act
    const detail = providerEventDetail(record, EXECUTION_ARN);

    // Assess
    expect(detail).toStrictEqual({
      providerId: 'payments.dev',
      workspace: 'payments',
      name: 'dev',
      accountId: '123456789012',
      roleArn: 'arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev',
      status: 'READY',
      reason: null,
      message: null,
      policyVersion: 'sha256:0123456789abcdef',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_dev_1',
    });
  });

  it('carries a FAILED provider’s reason and message', () => {
    // Prepare
    const record = providerRecord({ status: 'FAILED', reason: 'POLICY_CONFLICT', message: 'policy capa-payments-dev-capa-1 has another version' });

    // Act
    const detail = providerEventDetail(record, EXECUTION_ARN);

    // Assess
    expect(detail).toMatchObject({
      status: 'FAILED',
      reason: 'POLICY_CONFLICT',
      message: 'policy capa-payments-dev-capa-1 has another version',
      policyVersion: null,
    });
  });
});

describe('publishProviderEvent', () => {
  it('puts one entry on the service bus with the detail as JSON and the role as resource', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    const detail = providerEventDetail(providerRecord(), EXECUTION_ARN);

    // Act
    await publishProviderEvent(new EventBridgeClient({}), bus, 'Provider Ready', detail);

    // Assess
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input).toEqual({
      Entries: [
        {
          EventBusName: 'capa-provider-onboarding',
          Source: 'capa-provider-onboarding',
          DetailType: 'Provider Ready',
          Detail:
            '{"providerId":"payments.dev","workspace":"payments","name":"dev","accountId":"123456789012",' +
            '"roleArn":"arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev","status":"READY",' +
            '"reason":null,"message":null,"policyVersion":null,' +
            '"executionArn":"arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_dev_1"}',
          Resources: ['arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev'],
        },
      ],
    });
  });

  it('fails when EventBridge rejects the entry (FailedEntryCount > 0), so a lost event fails the step', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    });
    const detail = providerEventDetail(providerRecord(), EXECUTION_ARN);

    // Act
    const publish = publishProviderEvent(new EventBridgeClient({}), bus, 'Provider Failed', detail);

    // Assess
    await expect(publish).rejects.toThrow('EventBridge rejected "Provider Failed": InternalFailure try again');
  });

  it('fails when EventBridge rejects the entry without saying why', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1 });
    const detail = providerEventDetail(providerRecord(), EXECUTION_ARN);

    // Act
    const publish = publishProviderEvent(new EventBridgeClient({}), bus, 'Provider Ready', detail);

    // Assess
    await expect(publish).rejects.toThrow('EventBridge rejected "Provider Ready": unknown');
  });

  it('an entry throttled or failed inside EventBridge fails with TransientAwsError, for the state machine to retry', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }] });
    const detail = providerEventDetail(providerRecord(), EXECUTION_ARN);

    // Act
    const publish = publishProviderEvent(new EventBridgeClient({}), bus, 'Provider Ready', detail);

    // Assess
    await expect(publish).rejects.toMatchObject({ name: 'TransientAwsError', message: 'EventBridge rejected "Provider Ready": ThrottlingException Rate exceeded' });
  });

  it('an entry rejected for any other reason fails with a plain Error, whose message has no trailing space', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'MalformedDetail' }] });
    const detail = providerEventDetail(providerRecord(), EXECUTION_ARN);

    // Act
    const publish = publishProviderEvent(new EventBridgeClient({}), bus, 'Provider Ready', detail);

    // Assess
    await expect(publish).rejects.toMatchObject({ name: 'Error', message: 'EventBridge rejected "Provider Ready": MalformedDetail' });
  });

  it('an answer without FailedEntryCount counts as accepted', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).resolves({ Entries: [{ EventId: 'event-1' }] });
    const detail = providerEventDetail(providerRecord(), EXECUTION_ARN);

    // Act
    const publish = publishProviderEvent(new EventBridgeClient({}), bus, 'Provider Ready', detail);

    // Assess
    await expect(publish).resolves.toBeUndefined();
  });

  it('throttling of PutEvents itself fails with TransientAwsError naming the event', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }));
    const detail = providerEventDetail(providerRecord(), EXECUTION_ARN);

    // Act
    const publish = publishProviderEvent(new EventBridgeClient({}), bus, 'Provider Failed', detail);

    // Assess
    await expect(publish).rejects.toMatchObject({ name: 'TransientAwsError', message: 'PutEvents "Provider Failed": Rate exceeded' });
  });
});
