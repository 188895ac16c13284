// The SQS model: standard queues by account and name, their attributes, and their messages with
// SQS's delivery semantics (delay, visibility timeout, receipt handles, retention, redrive to a
// dead-letter queue after maxReceiveCount receives). No wire format here (api.ts).
import { randomUUID } from 'node:crypto';
import { ChangeLog } from '../core/changes.js';
import { defaultAttributes, numericAttribute, redrivePolicyOf } from './attributes.js';
import { invalidParameterValue, missingParameter, queueDoesNotExist, sqsError } from './errors.js';
import { md5Hex, md5OfMessageAttributes, messageIdOfHandle, messageSize, newReceiptHandle, type MessageAttributeValue } from './messages.js';
import { persistedQueue, queuedMessage, recordKeys } from './records.js';

export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  senderId: string;
  /** Epoch ms. */
  sentTimestamp: number;
  /** Epoch ms before which no ReceiveMessage returns it (its delay, then each visibility timeout). */
  visibleAt: number;
  receiveCount: number;
  firstReceiveTimestamp?: number;
  /** The handle of the latest receive: only it deletes the message. */
  receiptHandle?: string;
  /** Set on a message a source queue's redrive policy moved here. */
  deadLetterQueueSourceArn?: string;
}

export interface Queue {
  name: string;
  accountId: string;
  arn: string;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  /** Epoch seconds, as GetQueueAttributes reports them. */
  createdTimestamp: number;
  lastModifiedTimestamp: number;
  /** In the order they were sent. */
  messages: StoredMessage[];
  lastPurgeMs?: number;
}

export interface SqsSnapshot {
  kind: 'local-sqs';
  version: 1;
  queues: Queue[];
}

export interface SendInput {
  body: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  delaySeconds?: number;
  senderId: string;
}

export interface SqsModelOptions {
  region: string;
  partition: string;
  /** Scheme, host and port of queue URLs: the endpoint every client reaches the queues at. */
  urlBase: string;
  now: () => number;
  /** Where changed queues and messages are recorded for persistence. */
  changes?: ChangeLog;
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const PURGE_INTERVAL_MS = 60_000;

export class SqsModel {
  private readonly queues = new Map<string, Queue>();
  /** Long polls waiting on a queue (by ARN): called when a message arrives or becomes visible. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;
  private readonly changes: ChangeLog;

  constructor(private readonly options: SqsModelOptions) {
    this.changes = options.changes ?? new ChangeLog();
  }

  now(): number {
    return this.options.now();
  }

  queueArn(accountId: string, name: string): string {
    return `arn:${this.options.partition}:sqs:${this.options.region}:${accountId}:${name}`;
  }

  urlOf(queue: Pick<Queue, 'accountId' | 'name'>): string {
    return `${this.options.urlBase}/${queue.accountId}/${queue.name}`;
  }

  /** Creates a queue, or returns the existing one when its attributes are the ones asked for. */
  createQueue(accountId: string, name: string, attributes: Record<string, string>, tags: Record<string, string> = {}): { queue: Queue; created: boolean } {
    if (!QUEUE_NAME.test(name)) {
      throw invalidParameterValue('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    const arn = this.queueArn(accountId, name);
    const existing = this.queues.get(arn);
    if (existing !== undefined) {
      const differing = Object.entries(attributes).find(([key, value]) => (existing.attributes[key] ?? '') !== value);
      if (differing !== undefined) throw sqsError('QueueNameExists', `A queue already exists with the same name and a different value for attribute ${differing[0]}`);
      return { queue: existing, created: false };
    }
    const seconds = Math.floor(this.options.now() / 1000);
    const queue: Queue = { name, accountId, arn, attributes: { ...defaultAttributes(), ...attributes }, tags: { ...tags }, createdTimestamp: seconds, lastModifiedTimestamp: seconds, messages: [] };
    this.queues.set(arn, queue);
    this.queueChanged(queue);
    return { queue, created: true };
  }

  /** The account and name a QueueUrl names (only its path counts: /<account>/<name>). */
  parseQueueUrl(url: unknown): { accountId: string; name: string } {
    if (typeof url !== 'string' || url === '') throw missingParameter('QueueUrl');
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      throw sqsError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
    }
    const match = /^\/(\d{12})\/([^/]+)\/?$/.exec(path);
    if (match === null) throw sqsError('InvalidAddress', `The address ${url} is not valid for this endpoint.`);
    return { accountId: match[1]!, name: decodeURIComponent(match[2]!) };
  }

  queueNamed(accountId: string, name: string): Queue {
    const queue = this.queues.get(this.queueArn(accountId, name));
    if (queue === undefined) throw queueDoesNotExist();
    return queue;
  }

  queueByArn(arn: string): Queue | undefined {
    return this.queues.get(arn);
  }

  deleteQueue(queue: Queue): void {
    this.queues.delete(queue.arn);
    this.changes.delete(recordKeys.queue(queue.arn));
    for (const message of queue.messages) this.messageRemoved(queue, message);
    this.notify(queue);
  }

  /** An account's queues whose name starts with `prefix`, in code-unit order (the order ListQueues pages by). */
  list(accountId: string, prefix = ''): Queue[] {
    const byName = (a: Queue, b: Queue) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    return [...this.queues.values()].filter((q) => q.accountId === accountId && q.name.startsWith(prefix)).sort(byName);
  }

  setAttributes(queue: Queue, attributes: Record<string, string>): void {
    for (const [name, value] of Object.entries(attributes)) {
      // An empty policy removes it, as SetQueueAttributes does.
      if (value === '' && (name === 'Policy' || name === 'RedrivePolicy' || name === 'RedriveAllowPolicy')) delete queue.attributes[name];
      else queue.attributes[name] = value;
    }
    queue.lastModifiedTimestamp = Math.floor(this.options.now() / 1000);
    this.queueChanged(queue);
  }

  /** Message counts as GetQueueAttributes reports them. */
  counts(queue: Queue): { visible: number; inFlight: number; delayed: number } {
    this.expire(queue);
    const now = this.options.now();
    const counts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const message of queue.messages) {
      if (message.visibleAt <= now) counts.visible += 1;
      else if (message.receiveCount > 0) counts.inFlight += 1;
      else counts.delayed += 1;
    }
    return counts;
  }

  send(queue: Queue, input: SendInput): StoredMessage {
    const limit = numericAttribute(queue.attributes, 'MaximumMessageSize');
    if (messageSize(input.body, input.messageAttributes) > limit) {
      throw invalidParameterValue(`One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`);
    }
    const now = this.options.now();
    const delaySeconds = input.delaySeconds ?? numericAttribute(queue.attributes, 'DelaySeconds');
    const md5OfAttributes = md5OfMessageAttributes(input.messageAttributes);
    const message: StoredMessage = {
      messageId: randomUUID(),
      body: input.body,
      md5OfBody: md5Hex(input.body),
      messageAttributes: input.messageAttributes,
      ...(md5OfAttributes !== undefined ? { md5OfMessageAttributes: md5OfAttributes } : {}),
      senderId: input.senderId,
      sentTimestamp: now,
      visibleAt: now + delaySeconds * 1000,
      receiveCount: 0,
    };
    queue.messages.push(message);
    this.messageChanged(queue, message);
    this.notify(queue);
    return message;
  }

  /**
   * Up to `max` visible messages, each hidden for the visibility timeout under a new receipt
   * handle. A message received maxReceiveCount times already moves to the dead-letter queue instead.
   */
  receive(queue: Queue, max: number, visibilityTimeout?: number): Array<{ message: StoredMessage; receiptHandle: string }> {
    this.expire(queue);
    const now = this.options.now();
    const timeout = visibilityTimeout ?? numericAttribute(queue.attributes, 'VisibilityTimeout');
    const redrive = redrivePolicyOf(queue.attributes);
    const received: Array<{ message: StoredMessage; receiptHandle: string }> = [];
    for (const message of [...queue.messages]) {
      if (received.length >= max) break;
      if (message.visibleAt > now) continue;
      if (redrive !== undefined && message.receiveCount >= redrive.maxReceiveCount && this.moveToDeadLetterQueue(queue, message, redrive.deadLetterTargetArn)) continue;
      message.receiveCount += 1;
      message.firstReceiveTimestamp ??= now;
      message.visibleAt = now + timeout * 1000;
      message.receiptHandle = newReceiptHandle(message.messageId);
      this.messageChanged(queue, message);
      received.push({ message, receiptHandle: message.receiptHandle });
    }
    return received;
  }

  /** Deletes the message whose latest receipt handle this is; an older handle deletes nothing, as in SQS. */
  deleteMessage(queue: Queue, receiptHandle: unknown): void {
    const messageId = this.checkedHandle(receiptHandle);
    const index = queue.messages.findIndex((m) => m.messageId === messageId && m.receiptHandle === receiptHandle);
    if (index < 0) return;
    this.messageRemoved(queue, queue.messages[index]!);
    queue.messages.splice(index, 1);
  }

  changeVisibility(queue: Queue, receiptHandle: unknown, visibilityTimeout: number): void {
    const messageId = this.checkedHandle(receiptHandle);
    const message = queue.messages.find((m) => m.messageId === messageId && m.receiptHandle === receiptHandle);
    if (message === undefined) {
      throw invalidParameterValue(`Value ${String(receiptHandle)} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`);
    }
    const now = this.options.now();
    if (message.visibleAt <= now) throw sqsError('MessageNotInflight', 'Message is not in flight.');
    message.visibleAt = now + visibilityTimeout * 1000;
    this.messageChanged(queue, message);
    if (visibilityTimeout === 0) this.notify(queue);
  }

  purge(queue: Queue): void {
    const now = this.options.now();
    if (queue.lastPurgeMs !== undefined && now - queue.lastPurgeMs < PURGE_INTERVAL_MS) {
      throw sqsError('PurgeQueueInProgress', `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`);
    }
    for (const message of queue.messages) this.messageRemoved(queue, message);
    queue.messages = [];
    queue.lastPurgeMs = now;
    this.queueChanged(queue);
  }

  /**
   * Waits until a message may have become receivable on the queue (one was sent or made visible,
   * or a delay or visibility timeout ended: "change"), until `untilMs` ("deadline"), or until the
   * model closes ("closed").
   */
  waitForMessages(queue: Queue, untilMs: number): Promise<'change' | 'deadline' | 'closed'> {
    if (this.closed) return Promise.resolve('closed');
    const now = this.options.now();
    const nextVisible = Math.min(...queue.messages.map((m) => m.visibleAt).filter((at) => at > now));
    const wakeAt = Math.min(untilMs, nextVisible);
    return new Promise((resolve) => {
      const waiters = this.waiters.get(queue.arn) ?? new Set<() => void>();
      this.waiters.set(queue.arn, waiters);
      const finish = (reason: 'change' | 'deadline' | 'closed') => {
        clearTimeout(timer);
        waiters.delete(notified);
        resolve(reason);
      };
      const notified = () => finish(this.closed ? 'closed' : 'change');
      const timer = setTimeout(() => finish(wakeAt < untilMs ? 'change' : 'deadline'), Math.max(0, wakeAt - now));
      waiters.add(notified);
    });
  }

  /** Ends every long poll; later ones answer at once. */
  close(): void {
    this.closed = true;
    for (const waiters of this.waiters.values()) for (const done of [...waiters]) done();
  }

  snapshot(): SqsSnapshot {
    return { kind: 'local-sqs', version: 1, queues: structuredClone([...this.queues.values()]) };
  }

  restore(snapshot: unknown): void {
    const state = snapshot as Partial<SqsSnapshot> | undefined;
    if (state?.kind !== 'local-sqs' || state.version !== 1 || !Array.isArray(state.queues)) throw new Error('Not a local SQS snapshot');
    this.queues.clear();
    for (const queue of structuredClone(state.queues)) this.queues.set(queue.arn, queue);
  }

  private checkedHandle(receiptHandle: unknown): string {
    const messageId = typeof receiptHandle === 'string' ? messageIdOfHandle(receiptHandle) : undefined;
    if (messageId === undefined) throw sqsError('ReceiptHandleIsInvalid', `The input receipt handle "${String(receiptHandle)}" is not a valid receipt handle.`);
    return messageId;
  }

  /** Drops messages older than the queue's retention period. */
  private expire(queue: Queue): void {
    const oldest = this.options.now() - numericAttribute(queue.attributes, 'MessageRetentionPeriod') * 1000;
    if (!queue.messages.some((m) => m.sentTimestamp <= oldest)) return;
    for (const message of queue.messages) if (message.sentTimestamp <= oldest) this.messageRemoved(queue, message);
    queue.messages = queue.messages.filter((m) => m.sentTimestamp > oldest);
  }

  /** Moves a message to the dead-letter queue; false when that queue does not exist (it stays). */
  private moveToDeadLetterQueue(source: Queue, message: StoredMessage, deadLetterArn: string): boolean {
    const target = this.queues.get(deadLetterArn);
    if (target === undefined) return false;
    source.messages.splice(source.messages.indexOf(message), 1);
    this.messageRemoved(source, message);
    const { receiptHandle: _handle, ...rest } = message;
    const moved: StoredMessage = { ...rest, visibleAt: this.options.now(), deadLetterQueueSourceArn: source.arn };
    target.messages.push(moved);
    this.messageChanged(target, moved);
    this.notify(target);
    return true;
  }

  private queueChanged(queue: Queue): void {
    this.changes.put(recordKeys.queue(queue.arn), () => persistedQueue(queue));
  }

  private messageChanged(queue: Queue, message: StoredMessage): void {
    this.changes.put(recordKeys.message(queue.arn, message.messageId), () => queuedMessage(queue.arn, message));
  }

  private messageRemoved(queue: Queue, message: StoredMessage): void {
    this.changes.delete(recordKeys.message(queue.arn, message.messageId));
  }

  private notify(queue: Queue): void {
    for (const done of [...(this.waiters.get(queue.arn) ?? [])]) done();
  }
}
