// SQS state as persisted records, one per queue (its attributes and tags) and one per message:
// sending a message writes that message alone, not its queue's whole backlog.
import type { RecordChange } from '../core/changes.js';
import type { Queue, SqsSnapshot, StoredMessage } from './model.js';

/** A queue as persisted: everything but its messages, which are records of their own. */
export type PersistedQueue = Omit<Queue, 'messages'>;

/** A message with the queue (ARN) that holds it. */
interface QueuedMessage {
  queueArn: string;
  message: StoredMessage;
}

// A space separates the queue's ARN from the message id: neither contains one. The key names the
// queue, so a message moved to a dead-letter queue is a new record, after that queue's messages.
export const recordKeys = {
  queue: (queueArn: string) => `queue/${queueArn}`,
  message: (queueArn: string, messageId: string) => `message/${queueArn} ${messageId}`,
};

export function persistedQueue({ messages: _messages, ...queue }: Queue): PersistedQueue {
  return queue;
}

export function queuedMessage(queueArn: string, message: StoredMessage): QueuedMessage {
  return { queueArn, message };
}

/** The records of an SQS snapshot, each queue's messages in the order they were sent. */
export function sqsRecords(snapshot: SqsSnapshot): RecordChange[] {
  return snapshot.queues.flatMap((queue): RecordChange[] => [
    [recordKeys.queue(queue.arn), persistedQueue(queue)],
    ...queue.messages.map((message): RecordChange => [recordKeys.message(queue.arn, message.messageId), queuedMessage(queue.arn, message)]),
  ]);
}

/** The SQS snapshot that records describe; a message whose queue is gone is left out. */
export function sqsStateOf(records: ReadonlyMap<string, unknown>): SqsSnapshot {
  const queues = new Map<string, Queue>();
  const messages: QueuedMessage[] = [];
  for (const [key, value] of records) {
    const kind = key.split('/', 1)[0];
    if (kind === 'queue') {
      const queue = value as PersistedQueue;
      queues.set(queue.arn, { ...queue, messages: [] });
    } else if (kind === 'message') {
      messages.push(value as QueuedMessage);
    }
  }
  for (const { queueArn, message } of messages) queues.get(queueArn)?.messages.push(message);
  return { kind: 'local-sqs', version: 1, queues: [...queues.values()] };
}
