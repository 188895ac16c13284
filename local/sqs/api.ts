// SQS's JSON protocol (awsJson1_0, X-Amz-Target: AmazonSQS.<Action>), as the AWS SDK v3 and the
// AWS CLI speak it: one function per operation reads its parameters, authorizes the caller for
// sqs:<Action> on the queue's ARN, calls the model and shapes the answer.
import { randomUUID } from 'node:crypto';
import { asAwsError } from '../core/protocol.js';
import { operationNamed } from '../core/operations.js';
import type { AwsRequest, AwsResponse, Authorize, CallerIdentity } from '../core/types.js';
import { COMPUTED_ATTRIBUTES, isKnownAttribute, settableAttributes } from './attributes.js';
import { invalidParameterValue, missingParameter, SqsError, sqsError, wireError } from './errors.js';
import { checkBody, checkMessageAttributes, selectMessageAttributes, senderIdOf, type MessageAttributeValue } from './messages.js';
import type { Queue, SqsModel, StoredMessage } from './model.js';

interface Call {
  model: SqsModel;
  params: Record<string, unknown>;
  caller: CallerIdentity | undefined;
  /** The caller's account (where CreateQueue, GetQueueUrl and ListQueues look). */
  accountId: string;
  authorize: (action: string, resource: string) => void;
}

type Operation = (call: Call) => AwsResponse | Promise<AwsResponse>;

/** The operations the endpoint answers, by the X-Amz-Target action name. */
export const operations: Record<string, Operation> = {
  CreateQueue: createQueue,
  GetQueueUrl: getQueueUrl,
  GetQueueAttributes: getQueueAttributes,
  SetQueueAttributes: setQueueAttributes,
  ListQueues: listQueues,
  DeleteQueue: deleteQueue,
  PurgeQueue: purgeQueue,
  SendMessage: sendMessage,
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  ChangeMessageVisibility: changeMessageVisibility,
};

export async function handleSqsRequest(model: SqsModel, authorize: Authorize, defaultAccountId: string, req: AwsRequest): Promise<AwsResponse> {
  try {
    const operation = operationNamed(operations, req.action);
    if (operation === undefined) throw new SqsError('InvalidAction', `The action ${req.action} is not valid for this endpoint.`, 400);
    return await operation({
      model,
      params: req.params,
      caller: req.caller,
      accountId: req.caller?.accountId ?? defaultAccountId,
      authorize: (action, resource) => authorize(req.caller, action, resource),
    });
  } catch (error) {
    return errorResponse(asAwsError(error));
  }
}

// ---- queues --------------------------------------------------------------------------------------

function createQueue({ model, params, accountId, authorize }: Call): AwsResponse {
  const name = requiredString(params, 'QueueName');
  authorize('sqs:CreateQueue', model.queueArn(accountId, name));
  const { queue } = model.createQueue(accountId, name, settableAttributes(params.Attributes), stringMap(params.tags));
  return ok({ QueueUrl: model.urlOf(queue) });
}

function getQueueUrl({ model, params, accountId, authorize }: Call): AwsResponse {
  const name = requiredString(params, 'QueueName');
  const owner = typeof params.QueueOwnerAWSAccountId === 'string' ? params.QueueOwnerAWSAccountId : accountId;
  authorize('sqs:GetQueueUrl', model.queueArn(owner, name));
  return ok({ QueueUrl: model.urlOf(model.queueNamed(owner, name)) });
}

function getQueueAttributes(call: Call): AwsResponse {
  const queue = authorizedQueue(call, 'sqs:GetQueueAttributes');
  const requested = stringList(call.params.AttributeNames);
  for (const name of requested) {
    if (name !== 'All' && !isKnownAttribute(name)) throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
  }
  const all: Record<string, string> = { ...queue.attributes, ...computedAttributes(call.model, queue) };
  const wanted = requested.includes('All') ? Object.keys(all) : requested;
  const Attributes = Object.fromEntries(wanted.filter((name) => all[name] !== undefined).map((name) => [name, all[name]!]));
  return ok(Object.keys(Attributes).length > 0 ? { Attributes } : {});
}

function setQueueAttributes(call: Call): AwsResponse {
  const queue = authorizedQueue(call, 'sqs:SetQueueAttributes');
  call.model.setAttributes(queue, settableAttributes(call.params.Attributes));
  return ok({});
}

function listQueues({ model, params, accountId, authorize }: Call): AwsResponse {
  authorize('sqs:ListQueues', '*');
  const prefix = typeof params.QueueNamePrefix === 'string' ? params.QueueNamePrefix : '';
  const max = params.MaxResults === undefined ? undefined : integerIn(params.MaxResults, 'MaxResults', 1, 1000);
  const after = typeof params.NextToken === 'string' ? Buffer.from(params.NextToken, 'base64').toString('utf8') : undefined;
  const names = model.list(accountId, prefix).filter((queue) => after === undefined || queue.name > after);
  const page = names.slice(0, max ?? 1000);
  const more = max !== undefined && names.length > page.length;
  if (page.length === 0) return ok({});
  return ok({ QueueUrls: page.map((queue) => model.urlOf(queue)), ...(more ? { NextToken: Buffer.from(page.at(-1)!.name).toString('base64') } : {}) });
}

function deleteQueue(call: Call): AwsResponse {
  call.model.deleteQueue(authorizedQueue(call, 'sqs:DeleteQueue'));
  return ok({});
}

function purgeQueue(call: Call): AwsResponse {
  call.model.purge(authorizedQueue(call, 'sqs:PurgeQueue'));
  return ok({});
}

// ---- messages ------------------------------------------------------------------------------------

function sendMessage(call: Call): AwsResponse {
  const queue = authorizedQueue(call, 'sqs:SendMessage');
  const body = checkBody(call.params.MessageBody);
  const messageAttributes = checkMessageAttributes(call.params.MessageAttributes);
  const delaySeconds = call.params.DelaySeconds === undefined ? undefined : integerIn(call.params.DelaySeconds, 'DelaySeconds', 0, 900);
  const message = call.model.send(queue, { body, messageAttributes, senderId: senderIdOf(call.caller), ...(delaySeconds !== undefined ? { delaySeconds } : {}) });
  return ok({
    MessageId: message.messageId,
    MD5OfMessageBody: message.md5OfBody,
    ...(message.md5OfMessageAttributes !== undefined ? { MD5OfMessageAttributes: message.md5OfMessageAttributes } : {}),
  });
}

async function receiveMessage(call: Call): Promise<AwsResponse> {
  const { model, params } = call;
  let queue = authorizedQueue(call, 'sqs:ReceiveMessage');
  const max = params.MaxNumberOfMessages === undefined ? 1 : integerIn(params.MaxNumberOfMessages, 'MaxNumberOfMessages', 1, 10);
  const visibility = params.VisibilityTimeout === undefined ? undefined : integerIn(params.VisibilityTimeout, 'VisibilityTimeout', 0, 43_200);
  const wait = params.WaitTimeSeconds === undefined ? Number(queue.attributes.ReceiveMessageWaitTimeSeconds ?? 0) : integerIn(params.WaitTimeSeconds, 'WaitTimeSeconds', 0, 20);
  const systemNames = stringList(params.MessageSystemAttributeNames ?? params.AttributeNames);
  const attributeNames = stringList(params.MessageAttributeNames);
  // Long polling: answer as soon as a message is receivable, or empty at the end of the wait.
  const deadline = model.now() + wait * 1000;
  for (;;) {
    const received = model.receive(queue, max, visibility);
    if (received.length > 0 || model.now() >= deadline) {
      return ok(received.length > 0 ? { Messages: received.map(({ message, receiptHandle }) => messageView(message, receiptHandle, systemNames, attributeNames)) } : {});
    }
    if ((await model.waitForMessages(queue, deadline)) !== 'change') return ok({});
    queue = model.queueNamed(queue.accountId, queue.name);
  }
}

function deleteMessage(call: Call): AwsResponse {
  const queue = authorizedQueue(call, 'sqs:DeleteMessage');
  call.model.deleteMessage(queue, requiredString(call.params, 'ReceiptHandle'));
  return ok({});
}

function changeMessageVisibility(call: Call): AwsResponse {
  const queue = authorizedQueue(call, 'sqs:ChangeMessageVisibility');
  const timeout = integerIn(call.params.VisibilityTimeout, 'VisibilityTimeout', 0, 43_200);
  call.model.changeVisibility(queue, requiredString(call.params, 'ReceiptHandle'), timeout);
  return ok({});
}

// ---- reading requests and shaping answers --------------------------------------------------------

/** The queue the request's QueueUrl names, with the caller authorized for `action` on it. */
function authorizedQueue({ model, params, authorize }: Call, action: string): Queue {
  const { accountId, name } = model.parseQueueUrl(params.QueueUrl);
  authorize(action, model.queueArn(accountId, name));
  return model.queueNamed(accountId, name);
}

function computedAttributes(model: SqsModel, queue: Queue): Record<(typeof COMPUTED_ATTRIBUTES)[number], string> {
  const counts = model.counts(queue);
  return {
    QueueArn: queue.arn,
    ApproximateNumberOfMessages: String(counts.visible),
    ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
    ApproximateNumberOfMessagesDelayed: String(counts.delayed),
    CreatedTimestamp: String(queue.createdTimestamp),
    LastModifiedTimestamp: String(queue.lastModifiedTimestamp),
  };
}

function messageView(message: StoredMessage, receiptHandle: string, systemNames: string[], attributeNames: string[]) {
  const system: Record<string, string | undefined> = {
    SenderId: message.senderId,
    SentTimestamp: String(message.sentTimestamp),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: message.firstReceiveTimestamp !== undefined ? String(message.firstReceiveTimestamp) : undefined,
    DeadLetterQueueSourceArn: message.deadLetterQueueSourceArn,
  };
  const wantedSystem = Object.entries(system).filter(([name, value]) => value !== undefined && (systemNames.includes('All') || systemNames.includes(name)));
  const attributes: Record<string, MessageAttributeValue> = selectMessageAttributes(message.messageAttributes, attributeNames);
  const returnsAttributes = Object.keys(attributes).length > 0;
  return {
    MessageId: message.messageId,
    ReceiptHandle: receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(wantedSystem.length > 0 ? { Attributes: Object.fromEntries(wantedSystem) } : {}),
    ...(returnsAttributes ? { MD5OfMessageAttributes: message.md5OfMessageAttributes, MessageAttributes: attributes } : {}),
  };
}

function requiredString(params: Record<string, unknown>, name: string): string {
  const value = params[name];
  if (typeof value !== 'string' || value === '') throw missingParameter(name);
  return value;
}

function integerIn(value: unknown, name: string, min: number, max: number): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number) || number < min || number > max) {
    throw invalidParameterValue(`Value ${String(value)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`);
  }
  return number;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function stringMap(value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, String(item)]));
}

function ok(payload: unknown): AwsResponse {
  return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() }, body: JSON.stringify(payload) };
}

/** SQS's JSON error: the shape in `__type`, the query code (what clients report) in x-amzn-query-error. */
function errorResponse(error: ReturnType<typeof asAwsError>): AwsResponse {
  const { type, queryCode, status } = wireError(error);
  return {
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': randomUUID(),
      'x-amzn-query-error': `${queryCode};${status >= 500 ? 'Receiver' : 'Sender'}`,
    },
    body: JSON.stringify({ __type: type, message: error.message }),
  };
}
