// The local SQS through the real SQS SDK client (JSON protocol) and the local cloud's endpoint.
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeSha256 } from '../../../local/signed-fetch.js';
import { ACCOUNT_ID, startSqsHarness, type SqsHarness } from './sqs-harness.js';

let harness: SqsHarness;

beforeEach(async () => {
  harness = await startSqsHarness();
});

afterEach(async () => {
  await harness.close();
});

async function createQueue(name: string, attributes: Record<string, string> = {}): Promise<string> {
  const { QueueUrl } = await harness.admin.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return QueueUrl!;
}

async function receive(queueUrl: string, extra: { VisibilityTimeout?: number } = {}) {
  const { Messages = [] } = await harness.admin.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'], ...extra }),
  );
  return Messages;
}

/** The error a call fails with: its name and the query code clients report. */
async function failure(call: Promise<unknown>): Promise<{ name: string; code: string | undefined; status: number | undefined }> {
  try {
    await call;
  } catch (error) {
    const e = error as { name: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, code: e.Code, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded');
}

describe('queues', () => {
  it('a created queue is found by name, and reports its ARN, defaults and counts', async () => {
    // Act
    const queueUrl = await createQueue('dead-letters', { MessageRetentionPeriod: '1209600' });
    const { QueueUrl: found } = await harness.admin.send(new GetQueueUrlCommand({ QueueName: 'dead-letters' }));
    const { Attributes } = await harness.admin.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));

    // Assess
    expect(queueUrl).toBe(`${harness.server.url}/000000000000/dead-letters`);
    expect(found).toBe(queueUrl);
    expect(Attributes).toMatchObject({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:dead-letters',
      MessageRetentionPeriod: '1209600',
      VisibilityTimeout: '30',
      DelaySeconds: '0',
      MaximumMessageSize: '1048576',
      ReceiveMessageWaitTimeSeconds: '0',
      SqsManagedSseEnabled: 'true',
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    });
  });

  it('creating a queue again is idempotent with the same attributes and QueueNameExists with others', async () => {
    // Prepare
    const first = await createQueue('orders', { VisibilityTimeout: '60' });

    // Act
    const again = await createQueue('orders', { VisibilityTimeout: '60' });
    const conflicting = await failure(createQueue('orders', { VisibilityTimeout: '90' }));

    // Assess
    expect(again).toBe(first);
    expect(conflicting).toEqual({ name: 'QueueNameExists', code: 'QueueAlreadyExists', status: 400 });
  });

  it('an unknown queue is QueueDoesNotExist with the query code clients report', async () => {
    // Act
    const byName = await failure(harness.admin.send(new GetQueueUrlCommand({ QueueName: 'nowhere' })));
    const byUrl = await failure(harness.admin.send(new ReceiveMessageCommand({ QueueUrl: `${harness.server.url}/000000000000/nowhere` })));

    // Assess
    expect(byName).toEqual({ name: 'QueueDoesNotExist', code: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 });
    expect(byUrl).toEqual({ name: 'QueueDoesNotExist', code: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 });
  });

  it('refuses unknown attributes, out-of-range values and FIFO queues', async () => {
    // Act
    const unknown = await failure(createQueue('bad-1', { Colour: 'blue' }));
    const outOfRange = await failure(createQueue('bad-2', { VisibilityTimeout: '43201' }));
    const fifo = await failure(harness.admin.send(new CreateQueueCommand({ QueueName: 'bad-3.fifo', Attributes: { FifoQueue: 'true' } })));

    // Assess
    expect(unknown).toEqual({ name: 'InvalidAttributeName', code: 'InvalidAttributeName', status: 400 });
    expect(outOfRange).toEqual({ name: 'InvalidAttributeValue', code: 'InvalidAttributeValue', status: 400 });
    expect(fifo).toEqual({ name: 'UnsupportedOperation', code: 'AWS.SimpleQueueService.UnsupportedOperation', status: 400 });
  });

  it('lists the queues of the account by name prefix, a page at a time', async () => {
    // Prepare
    for (const name of ['dlq-b', 'dlq-a', 'orders', 'dlq-c']) await createQueue(name);

    // Act
    const first = await harness.admin.send(new ListQueuesCommand({ QueueNamePrefix: 'dlq-', MaxResults: 2 }));
    const second = await harness.admin.send(new ListQueuesCommand({ QueueNamePrefix: 'dlq-', MaxResults: 2, NextToken: first.NextToken }));

    // Assess
    const url = (name: string) => `${harness.server.url}/000000000000/${name}`;
    expect(first.QueueUrls).toEqual([url('dlq-a'), url('dlq-b')]);
    expect(second.QueueUrls).toEqual([url('dlq-c')]);
    expect(second.NextToken).toBeUndefined();
  });

  it('pages of one queue each list every queue exactly once, whatever the case of the names', async () => {
    // Prepare
    for (const name of ['Zeta', 'alpha', 'Beta']) await createQueue(name);

    // Act
    const names: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 5; page += 1) {
      const { QueueUrls = [], NextToken } = await harness.admin.send(new ListQueuesCommand({ MaxResults: 1, ...(token !== undefined ? { NextToken: token } : {}) }));
      names.push(...QueueUrls.map((url) => url.split('/').pop()!));
      token = NextToken;
      if (token === undefined) break;
    }

    // Assess
    expect(names).toEqual(['Beta', 'Zeta', 'alpha']);
  });
});

describe('messages', () => {
  it('a sent message is received with its body, digests, system attributes and message attributes', async () => {
    // Prepare
    const queueUrl = await createQueue('events');

    // Act
    const sent = await harness.admin.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: '{"detail":"new account"}',
        MessageAttributes: { trigger: { DataType: 'String', StringValue: 'organizations' }, attempt: { DataType: 'Number', StringValue: '3' } },
      }),
    );
    const [message, ...others] = await receive(queueUrl);

    // Assess
    expect(others).toEqual([]);
    expect(sent.MD5OfMessageBody).toBe('afc23200ff981900107deff981849d21');
    expect(sent.MD5OfMessageAttributes).toBe('192ca1e4d7b92fe3dc0678bf4fbf0900');
    expect(message).toMatchObject({
      MessageId: sent.MessageId,
      Body: '{"detail":"new account"}',
      MD5OfBody: 'afc23200ff981900107deff981849d21',
      MD5OfMessageAttributes: '192ca1e4d7b92fe3dc0678bf4fbf0900',
      MessageAttributes: { trigger: { DataType: 'String', StringValue: 'organizations' }, attempt: { DataType: 'Number', StringValue: '3' } },
      Attributes: { SenderId: 'AIDALOCALADMIN0000000', ApproximateReceiveCount: '1' },
    });
    expect(message?.ReceiptHandle).toEqual(expect.any(String));
  });

  it('a received message stays hidden for its visibility timeout, then comes back with a new receipt handle', async () => {
    // Prepare
    const queueUrl = await createQueue('visibility');
    await harness.admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'once' }));
    const [first] = await receive(queueUrl, { VisibilityTimeout: 30 });

    // Act
    const duringTimeout = await receive(queueUrl);
    const { Attributes: counts } = await harness.admin.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    harness.advanceClock(30_000);
    const [again] = await receive(queueUrl);

    // Assess
    expect(duringTimeout).toEqual([]);
    expect(counts).toEqual({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });
    expect(again).toMatchObject({ MessageId: first?.MessageId, Body: 'once', Attributes: { ApproximateReceiveCount: '2' } });
    expect(again?.ReceiptHandle).not.toBe(first?.ReceiptHandle);
  });

  it('ChangeMessageVisibility to 0 makes a message receivable at once; a message not in flight is MessageNotInflight', async () => {
    // Prepare
    const queueUrl = await createQueue('release');
    await harness.admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'retry me' }));
    const [received] = await receive(queueUrl);

    // Act
    await harness.admin.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: received!.ReceiptHandle!, VisibilityTimeout: 0 }));
    const notInFlight = await failure(
      harness.admin.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: received!.ReceiptHandle!, VisibilityTimeout: 0 })),
    );
    const [again] = await receive(queueUrl);

    // Assess
    expect(notInFlight).toEqual({ name: 'MessageNotInflight', code: 'AWS.SimpleQueueService.MessageNotInflight', status: 400 });
    expect(again?.Body).toBe('retry me');
  });

  it('only the latest receipt handle deletes a message; a made-up handle is ReceiptHandleIsInvalid', async () => {
    // Prepare
    const queueUrl = await createQueue('deletes');
    await harness.admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'delete me' }));
    const [first] = await receive(queueUrl, { VisibilityTimeout: 0 });
    const [latest] = await receive(queueUrl, { VisibilityTimeout: 0 });

    // Act
    await harness.admin.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: first!.ReceiptHandle! }));
    const afterStaleDelete = await receive(queueUrl, { VisibilityTimeout: 0 });
    const [newest] = afterStaleDelete;
    await harness.admin.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: newest!.ReceiptHandle! }));
    const afterDelete = await receive(queueUrl);
    const madeUp = await failure(harness.admin.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: 'not-a-handle' })));

    // Assess
    expect(latest?.MessageId).toBe(first?.MessageId);
    expect(afterStaleDelete.map((m) => m.Body)).toEqual(['delete me']);
    expect(afterDelete).toEqual([]);
    expect(madeUp).toEqual({ name: 'ReceiptHandleIsInvalid', code: 'ReceiptHandleIsInvalid', status: 404 });
  });

  it('a long poll answers as soon as a message arrives', async () => {
    // Prepare
    const queueUrl = await createQueue('long-poll');
    const polling = harness.admin.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 20 }));

    // Act
    await harness.admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'arrived' }));
    const { Messages = [] } = await polling;

    // Assess
    expect(Messages.map((m) => m.Body)).toEqual(['arrived']);
  });

  it('a message is dropped once it is older than the retention period', async () => {
    // Prepare
    const queueUrl = await createQueue('retention', { MessageRetentionPeriod: '60' });
    await harness.admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'short-lived' }));

    // Act
    harness.advanceClock(60_000);
    const received = await receive(queueUrl);

    // Assess
    expect(received).toEqual([]);
  });

  it('PurgeQueue deletes every message, and refuses a second purge within 60 seconds', async () => {
    // Prepare
    const queueUrl = await createQueue('purged');
    for (const body of ['a', 'b', 'c']) await harness.admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));

    // Act
    await harness.admin.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    const remaining = await receive(queueUrl);
    const second = await failure(harness.admin.send(new PurgeQueueCommand({ QueueUrl: queueUrl })));

    // Assess
    expect(remaining).toEqual([]);
    expect(second).toEqual({ name: 'PurgeQueueInProgress', code: 'AWS.SimpleQueueService.PurgeQueueInProgress', status: 403 });
  });

  it('a message received maxReceiveCount times moves to the dead-letter queue of the redrive policy', async () => {
    // Prepare
    const deadLetterUrl = await createQueue('work-dlq');
    const queueUrl = await createQueue('work');
    await harness.admin.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrl,
        Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:work-dlq', maxReceiveCount: 1 }) },
      }),
    );
    await harness.admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'poison' }));
    await receive(queueUrl, { VisibilityTimeout: 0 });

    // Act
    const fromSource = await receive(queueUrl);
    const [dead] = await receive(deadLetterUrl);

    // Assess
    expect(fromSource).toEqual([]);
    expect(dead).toMatchObject({ Body: 'poison', Attributes: { DeadLetterQueueSourceArn: 'arn:aws:sqs:us-east-1:000000000000:work' } });
  });

  it('refuses an empty body, an invalid character, a message over MaximumMessageSize and more than 10 messages per receive', async () => {
    // Prepare
    const queueUrl = await createQueue('checks', { MaximumMessageSize: '1024' });

    // Act
    const empty = await failure(harness.admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '' })));
    const oversized = await failure(harness.admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'x'.repeat(1025) })));
    const control = await failure(harness.admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'bell \u0007' })));
    const tooMany = await failure(harness.admin.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 11 })));

    // Assess
    expect(empty).toEqual({ name: 'InvalidMessageContents', code: 'InvalidMessageContents', status: 400 });
    expect(control).toEqual({ name: 'InvalidMessageContents', code: 'InvalidMessageContents', status: 400 });
    expect(oversized).toMatchObject({ code: 'InvalidParameterValue', status: 400 });
    expect(tooMany).toMatchObject({ code: 'InvalidParameterValue', status: 400 });
  });
});

describe('authorization', () => {
  it('a role needs sqs:<Action> on the queue ARN: allowed to receive, denied to purge', async () => {
    // Prepare
    const queueUrl = await createQueue('guarded');
    await harness.admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'for the reader' }));
    const reader = harness.roleClient('reader', [
      { Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], Resource: 'arn:aws:sqs:us-east-1:000000000000:guarded' },
    ]);

    // Act
    const { Messages = [] } = await reader.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    const purge = await failure(reader.send(new PurgeQueueCommand({ QueueUrl: queueUrl })));

    // Assess
    expect(Messages.map((m) => m.Body)).toEqual(['for the reader']);
    expect(purge).toEqual({ name: 'AccessDenied', code: 'AccessDenied', status: 403 });
  });

  it('a message sent by a service on behalf of a role needs that role to be allowed sqs:SendMessage', async () => {
    // Prepare
    await createQueue('destination');
    harness.roleClient('allowed-sender', [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:000000000000:destination' }]);
    harness.roleClient('other-role', []);
    const session = (roleName: string) => {
      const credentials = harness.iam.sessionForService(`arn:aws:iam::000000000000:role/${roleName}`, 'lambda.amazonaws.com');
      return harness.iam.resolveAccessKey(credentials.accessKeyId)!;
    };

    // Act
    const sent = harness.sqs.sendMessage('arn:aws:sqs:us-east-1:000000000000:destination', { body: 'record' }, session('allowed-sender'));
    const denied = () => harness.sqs.sendMessage('arn:aws:sqs:us-east-1:000000000000:destination', { body: 'record' }, session('other-role'));

    // Assess
    expect(sent.messageId).toEqual(expect.any(String));
    expect(denied).toThrow(/not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:000000000000:destination/);
    expect((await receive(`${harness.server.url}/000000000000/destination`)).map((m) => m.Body)).toEqual(['record']);
  });
});

describe('deliveries by an AWS service principal', () => {
  const QUEUE = 'arn:aws:sqs:us-east-1:000000000000:rule-dlq';
  const RULE = 'arn:aws:events:us-east-1:000000000000:rule/new-accounts';
  const source = (sourceArn: string) => ({ principal: 'events.amazonaws.com', sourceArn, sourceAccount: ACCOUNT_ID });

  it('are allowed only by the queue policy, for the source it names, whatever the insecure-transport deny says', async () => {
    // Prepare: the policy CDK writes for a rule target's dead-letter queue.
    const queueUrl = await createQueue('rule-dlq');
    const send = (sourceArn: string) => () => harness.sqs.sendMessageAsService(QUEUE, { body: '{"id":"event-1"}' }, source(sourceArn));
    const refusal = (attempt: () => unknown) => {
      try {
        attempt();
        return 'sent';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const withoutPolicy = refusal(send(RULE));
    await harness.admin.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrl,
        Attributes: {
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Deny', Principal: { AWS: '*' }, Action: 'sqs:*', Resource: QUEUE, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
              { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: QUEUE, Condition: { ArnEquals: { 'aws:SourceArn': RULE } } },
            ],
          }),
        },
      }),
    );

    // Act
    const otherRule = refusal(send('arn:aws:events:us-east-1:000000000000:rule/someone-else'));
    const sent = send(RULE)();

    // Assess
    const denial = 'events.amazonaws.com is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:000000000000:rule-dlq because no resource-based policy allows the sqs:SendMessage action';
    expect(withoutPolicy).toBe(denial);
    expect(otherRule).toBe(denial);
    expect(sent.messageId).toEqual(expect.any(String));
    expect((await receive(queueUrl)).map((m) => [m.Body, m.Attributes?.SenderId])).toEqual([['{"id":"event-1"}', 'events.amazonaws.com']]);
  });
});

describe('protocols', () => {
  it('a request in the older SQS query protocol is not mistaken for IAM: it is pointed to the JSON protocol', async () => {
    // Prepare: ListQueues as the query protocol sends it, signed for sqs.
    const url = new URL(harness.server.url);
    const signer = new SignatureV4({ service: 'sqs', region: 'us-east-1', credentials: harness.iam.adminCredentials(), sha256: NodeSha256 });
    const body = 'Action=ListQueues&Version=2012-11-05';
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });

    // Act
    const response = await fetch(`${harness.server.url}/`, { method: 'POST', headers: signed.headers, body });
    const answer = (await response.json()) as { __type: string; message: string };

    // Assess
    expect(response.status).toBe(400);
    expect(answer.__type).toBe('UnknownOperationException');
    expect(answer.message).toContain("AmazonSQS.* (SQS's JSON protocol; not its older query protocol)");
  });
});

describe('persistence', () => {
  it('a snapshot restores queues with their messages', async () => {
    // Prepare
    const queueUrl = await createQueue('durable');
    await harness.admin.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'kept' }));
    const snapshot = harness.sqs.snapshot();
    await harness.close();
    harness = await startSqsHarness();

    // Act
    harness.sqs.restore(snapshot);
    const received = await receive(`${harness.server.url}/000000000000/durable`);

    // Assess
    expect(received.map((m) => m.Body)).toEqual(['kept']);
  });
});
