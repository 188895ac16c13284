// A persisted local cloud writes what a request changed before answering it: a copy of the state
// directory taken right after an answer (what a crash would leave) already holds the change.
// Writes are per record, and close() leaves no execution running behind it.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startLocalCloud, type LocalCloud } from '../../local/cloud.js';

const HOLD_ASL = JSON.stringify({ StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } });

const TEMPLATE = {
  Resources: {
    HoldRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'states.amazonaws.com' } }] },
      },
    },
    Hold: { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'hold', RoleArn: { 'Fn::GetAtt': ['HoldRole', 'Arn'] }, DefinitionString: HOLD_ASL } },
  },
};

const HOLD_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:hold';
const TRUST_ROOT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: 'arn:aws:iam::000000000000:root' } }] });

let work: string;
const clouds: LocalCloud[] = [];

function start(stateDir: string): Promise<LocalCloud> {
  return startLocalCloud({ cdkOut: join(work, 'cdk.out'), stateDir, port: 0, apiPort: 0, propagationDelayMs: [0, 0], faults: '', quiet: true }).then((cloud) => {
    clouds.push(cloud);
    return cloud;
  });
}

function clientConfig(cloud: LocalCloud) {
  return { endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials };
}

/** A queue's message counts, as GetQueueAttributes reports them. */
async function messageCounts(cloud: LocalCloud, queueName: string): Promise<Record<string, string>> {
  const sqs = new SQSClient(clientConfig(cloud));
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Attributes ?? {};
}

/** What a crash right now would leave behind: the state directory as it is on disk. */
function copyOnDisk(stateDir: string): string {
  const copy = join(work, `copy-${clouds.length}`);
  // DynamoDB's own files are left out: LevelDB rewrites them in the background (and this stack has no table).
  cpSync(stateDir, copy, { recursive: true, filter: (source) => !source.includes('dynamodb') });
  return copy;
}

/** The records the journal holds, as `<service> <key>`. */
function journaledKeys(stateDir: string): string[] {
  const journals = readdirSync(stateDir).filter((name) => name.startsWith('journal-'));
  return journals.flatMap((name) =>
    readFileSync(join(stateDir, name), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as [string, string]).slice(0, 2).join(' ')),
  );
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'durability-'));
  mkdirSync(join(work, 'cdk.out'));
  writeFileSync(join(work, 'cdk.out', 'Hold.template.json'), JSON.stringify(TEMPLATE));
  writeFileSync(
    join(work, 'cdk.out', 'manifest.json'),
    JSON.stringify({ version: '48.0.0', artifacts: { Hold: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Hold.template.json' } } } }),
  );
});

afterEach(async () => {
  await Promise.all(clouds.splice(0).map((cloud) => cloud.close({ drainMs: 0 })));
  rmSync(work, { recursive: true, force: true });
});

describe('a persisted local cloud', () => {
  it('has a StartExecution on disk when it answers: a cloud started from that disk runs the execution', async () => {
    // Prepare
    const stateDir = join(work, 'state');
    const cloud = await start(stateDir);
    // Act
    const { executionArn } = await new SFNClient(clientConfig(cloud)).send(new StartExecutionCommand({ stateMachineArn: HOLD_ARN, name: 'acknowledged' }));
    const afterCrash = await start(copyOnDisk(stateDir));
    const described = await new SFNClient(clientConfig(afterCrash)).send(new DescribeExecutionCommand({ executionArn }));
    // Assess
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:hold:acknowledged');
    expect(described.status).toBe('RUNNING');
  });

  it('releases its Lambda workers and its database even when the last save fails, so the process can exit', async () => {
    // Prepare: the state directory removed under the running cloud.
    const stateDir = join(work, 'state');
    const cloud = await start(stateDir);
    clouds.splice(clouds.indexOf(cloud), 1);
    const lambdaClose = vi.spyOn(cloud.lambda, 'close');
    const dynamodbClose = vi.spyOn(cloud.dynamodb, 'close');
    rmSync(stateDir, { recursive: true, force: true });

    // Act
    const closing = cloud.close({ drainMs: 0 });

    // Assess
    await expect(closing).rejects.toMatchObject({ code: 'ENOENT' });
    expect(lambdaClose).toHaveBeenCalledTimes(1);
    expect(dynamodbClose).toHaveBeenCalledTimes(1);
  });

  it('has an IAM role on disk when CreateRole answers', async () => {
    // Prepare
    const stateDir = join(work, 'state');
    const cloud = await start(stateDir);
    // Act
    await new IAMClient(clientConfig(cloud)).send(new CreateRoleCommand({ RoleName: 'acknowledged-role', Path: '/team/', AssumeRolePolicyDocument: TRUST_ROOT }));
    const afterCrash = await start(copyOnDisk(stateDir));
    const { Role } = await new IAMClient(clientConfig(afterCrash)).send(new GetRoleCommand({ RoleName: 'acknowledged-role' }));
    // Assess
    expect(Role?.Arn).toBe('arn:aws:iam::000000000000:role/team/acknowledged-role');
  });

  it('writes only the record a request changed', async () => {
    // Prepare
    const stateDir = join(work, 'state');
    const cloud = await start(stateDir);
    const before = journaledKeys(stateDir).length;
    // Act
    await new IAMClient(clientConfig(cloud)).send(new CreateRoleCommand({ RoleName: 'one-more', AssumeRolePolicyDocument: TRUST_ROOT }));
    const written = journaledKeys(stateDir).slice(before);
    // Assess
    expect(written).toEqual(['iam role/000000000000/one-more']);
  });

  it('keeps a running execution RUNNING through close(), and the next start runs it again', async () => {
    // Prepare
    const stateDir = join(work, 'state');
    const cloud = await start(stateDir);
    const { executionArn } = await new SFNClient(clientConfig(cloud)).send(new StartExecutionCommand({ stateMachineArn: HOLD_ARN, name: 'interrupted' }));
    // Act
    await cloud.close({ drainMs: 0 });
    const restarted = await start(stateDir);
    const described = await new SFNClient(clientConfig(restarted)).send(new DescribeExecutionCommand({ executionArn }));
    // Assess
    expect(described.status).toBe('RUNNING');
  });

  it('stops the run of an execution still running when it closes, leaving the execution RUNNING', async () => {
    // Prepare
    const cloud = await start(join(work, 'state'));
    const { executionArn } = await new SFNClient(clientConfig(cloud)).send(new StartExecutionCommand({ stateMachineArn: HOLD_ARN, name: 'waiting' }));
    // Act
    await cloud.close({ drainMs: 0 });
    const afterClose = await cloud.sfn.waitForExecution(executionArn!);
    // Assess
    expect(afterClose.status).toBe('RUNNING');
  });

  it('has an SQS message on disk when SendMessage answers: a cloud started from that disk delivers it', async () => {
    // Prepare
    const stateDir = join(work, 'state');
    const cloud = await start(stateDir);
    const sqs = new SQSClient(clientConfig(cloud));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'acknowledged-queue', Attributes: { VisibilityTimeout: '45' } }));
    // Act
    const sent = await sqs.send(
      new SendMessageCommand({ QueueUrl, MessageBody: '{"account":"111111111111"}', MessageAttributes: { Origin: { DataType: 'String', StringValue: 'test' } } }),
    );
    const afterCrash = await start(copyOnDisk(stateDir));
    const restartedSqs = new SQSClient(clientConfig(afterCrash));
    const { QueueUrl: restartedUrl } = await restartedSqs.send(new GetQueueUrlCommand({ QueueName: 'acknowledged-queue' }));
    const { Attributes } = await restartedSqs.send(new GetQueueAttributesCommand({ QueueUrl: restartedUrl, AttributeNames: ['VisibilityTimeout'] }));
    const { Messages } = await restartedSqs.send(new ReceiveMessageCommand({ QueueUrl: restartedUrl, MessageAttributeNames: ['All'] }));
    // Assess
    expect(Attributes).toEqual({ VisibilityTimeout: '45' });
    expect(Messages).toHaveLength(1);
    expect(Messages?.[0]?.MessageId).toBe(sent.MessageId);
    expect(Messages?.[0]?.Body).toBe('{"account":"111111111111"}');
    expect(Messages?.[0]?.MessageAttributes).toEqual({ Origin: { DataType: 'String', StringValue: 'test' } });
  });

  it('has a DeleteMessage on disk when it answers: the message stays deleted after a crash', async () => {
    // Prepare
    const stateDir = join(work, 'state');
    const cloud = await start(stateDir);
    const sqs = new SQSClient(clientConfig(cloud));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'drained-queue' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'handled once' }));
    // Visible again at once: only the deletion keeps it from being received after a restart.
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }));
    // Act
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages?.[0]?.ReceiptHandle }));
    const afterCrash = await start(copyOnDisk(stateDir));
    const counts = await messageCounts(afterCrash, 'drained-queue');
    // Assess
    expect(Messages).toHaveLength(1);
    expect(counts).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('has a message its redrive policy moved to the dead-letter queue on disk in that queue, with its receive count', async () => {
    // Prepare
    const stateDir = join(work, 'state');
    const cloud = await start(stateDir);
    const sqs = new SQSClient(clientConfig(cloud));
    await sqs.send(new CreateQueueCommand({ QueueName: 'source-dlq' }));
    const deadLetterTargetArn = 'arn:aws:sqs:us-east-1:000000000000:source-dlq';
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'source', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn, maxReceiveCount: 1 }) } }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }));
    // Act
    const secondReceive = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    const afterCrash = await start(copyOnDisk(stateDir));
    const sourceCounts = await messageCounts(afterCrash, 'source');
    const restartedSqs = new SQSClient(clientConfig(afterCrash));
    const { QueueUrl: deadLetterUrl } = await restartedSqs.send(new GetQueueUrlCommand({ QueueName: 'source-dlq' }));
    const { Messages } = await restartedSqs.send(
      new ReceiveMessageCommand({ QueueUrl: deadLetterUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount', 'DeadLetterQueueSourceArn'] }),
    );
    // Assess
    expect(secondReceive.Messages ?? []).toEqual([]);
    expect(sourceCounts).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    expect(Messages).toHaveLength(1);
    expect(Messages?.[0]?.Body).toBe('poison');
    expect(Messages?.[0]?.Attributes).toEqual({ ApproximateReceiveCount: '2', DeadLetterQueueSourceArn: 'arn:aws:sqs:us-east-1:000000000000:source' });
  });

  it('writes only the message record a SendMessage changed', async () => {
    // Prepare
    const stateDir = join(work, 'state');
    const cloud = await start(stateDir);
    const sqs = new SQSClient(clientConfig(cloud));
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'busy-queue' }));
    const before = journaledKeys(stateDir).length;
    // Act
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'one message' }));
    const written = journaledKeys(stateDir).slice(before);
    // Assess
    expect(written).toEqual([`sqs message/arn:aws:sqs:us-east-1:000000000000:busy-queue ${MessageId}`]);
  });
});
