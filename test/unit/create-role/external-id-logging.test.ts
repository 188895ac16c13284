// Workflow step "Create Role In Target Account" logs the provider's role and where its External ID
// came from; never the External ID nor an unkeyed hash of it, which would confirm a guess offline.
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import type { EnsuredRole } from '../../../functions/shared/adapters/role-provisioning.js';
import type { WorkflowTaskEvent } from '../../../functions/shared/runtime/workflow-event.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { providerRecord } from '../../support/provider-records.js';

const GUESSABLE_ID = 'portal-external-id-0001';
/** SHA-256 of GUESSABLE_ID in hex: what an offline guess would be compared with. */
const SHA256_HEX = '04d19b8bc704002e2f7d4673923a278b3e99bf6ac50c3601f66f7f6466318a8f';

const dynamo = mockClient(DynamoDBDocumentClient);
const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const context = { functionName: 'create-role', awsRequestId: 'request-1', getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
let handler: (event: WorkflowTaskEvent, context: Context) => Promise<EnsuredRole>;
let output: CapturedOutput;

beforeAll(async () => {
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    PARTITION: 'aws',
    TABLE_NAME: 'providers',
    BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole',
    ROLE_PATH: '/capa-providers/',
    MANAGEMENT_PRINCIPAL_ARN: 'arn:aws:iam::000000000000:root',
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
  });
  ({ handler } = await import('../../../functions/create-role/handler.js'));
});

beforeEach(() => {
  dynamo.reset();
  sts.reset();
  iam.reset();
  output = captureOutput();
});

afterEach(() => {
  output.restore();
});

it('creating the role logs the External ID source, and no value or hash of the External ID', async () => {
  // Prepare
  const record = providerRecord({ externalId: GUESSABLE_ID, externalIdSource: 'supplied', status: 'CREATING' });
  dynamo.on(UpdateCommand).resolves({ Attributes: record });
  dynamo.on(GetCommand).resolves({ Item: record });
  sts.on(AssumeRoleCommand).resolves({
    Credentials: { AccessKeyId: 'ASIABOOTSTRAP', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date('2026-11-28T01:00:00Z') },
  });
  iam.on(CreateRoleCommand).resolves({});
  const event: WorkflowTaskEvent = {
    execution: { arn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:payments_dev_1', name: 'payments_dev_1' },
    state: {
      provider: {
        providerId: 'payments.dev',
        workspace: 'payments',
        name: 'dev',
        accountId: '123456789012',
        roleName: 'capa-payments-dev',
        rolePath: '/capa-providers/',
        trustEc2: true,
        attempt: 1,
      },
    },
  };

  // Act
  const role = await handler(event, context);

  // Assess
  expect(role.createdByThisExecution).toBe(true);
  const ensuring = output.jsonLines().filter((line) => line.message === 'Ensuring provider role');
  expect(ensuring).toHaveLength(1);
  expect(ensuring[0]).toMatchObject({ roleName: 'capa-payments-dev', externalIdSource: 'supplied' });
  expect(ensuring[0]).not.toHaveProperty('externalId');
  const text = output.text();
  const hexWindows = Array.from({ length: SHA256_HEX.length - 7 }, (_, i) => SHA256_HEX.slice(i, i + 8));
  expect([GUESSABLE_ID, 'sha256:', ...hexWindows].filter((needle) => text.includes(needle))).toEqual([]);
});
