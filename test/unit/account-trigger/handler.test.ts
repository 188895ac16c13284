import { readFileSync } from 'node:fs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newAccountOf, type NewAccountEvent } from '../../../functions/shared/domain/new-account.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../../shared/fixtures/events/${name}.json`, import.meta.url), 'utf8')) as NewAccountEvent;

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
let handler: (event: NewAccountEvent, context: Context) => Promise<{ providerId?: string; outcome: string }>;
const context = { functionName: 'trigger', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 } as unknown as Context;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    TABLE_NAME: 'providers',
    STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:Onboard',
    PARTITION: 'aws',
    ROLE_PATH: '/capa-providers/',
    ROLE_NAME_PREFIX: 'capa-',
    DEFAULT_WORKSPACE: 'landing-zone',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ({ handler } = await import('../../../functions/account-trigger/handler.js'));
});

beforeEach(() => {
  dynamo.reset();
  sfn.reset();
  dynamo.on(GetCommand).resolves({});
  dynamo.on(PutCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date() });
});

describe('new-account events', () => {
  it.each([
    ['organizations-create-account-result', '222233334444', 'team-payments-dev'],
    ['controltower-create-managed-account', '555566667777', 'team-search-prod'],
    ['controltower-update-managed-account', '888899990000', 'team-ml-sandbox'],
  ])('%s names account %s', (name, accountId, accountName) => {
    // Act
    const account = newAccountOf(fixture(name), 'landing-zone');

    // Assess
    expect(account).toMatchObject({
      request: { workspace: 'landing-zone', name: `aws-${accountId}`, accountId },
      accountName,
    });
  });

  it('ignores events for accounts that did not succeed', () => {
    // Prepare
    const event = fixture('organizations-create-account-result');
    event.detail!.serviceEventDetails!.createAccountStatus!.state = 'FAILED';

    // Act
    const account = newAccountOf(event, 'w');

    // Assess
    expect(account).toBeUndefined();
  });

  it('onboards the account into the default workspace through the shared start path', async () => {
    // Act
    const result = await handler(fixture('controltower-create-managed-account'), context);

    // Assess
    expect(result).toEqual({ providerId: 'landing-zone.aws-555566667777', outcome: 'started' });
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ workspace: 'landing-zone', name: 'aws-555566667777', accountId: '555566667777', status: 'PENDING' }),
    });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { name: 'landing-zone_aws-555566667777_1' });
  });

  it('does nothing for an event it cannot read, without throwing (a retry would not help)', async () => {
    // Act
    const result = await handler({ id: 'x', source: 'aws.organizations', detail: {} }, context);

    // Assess
    expect(result).toEqual({ outcome: 'ignored' });
    expect(dynamo).not.toHaveReceivedAnyCommand();
    expect(sfn).not.toHaveReceivedAnyCommand();
  });
});
