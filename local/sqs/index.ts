// Local SQS: standard queues behind the JSON protocol (X-Amz-Target: AmazonSQS.<Action>), enough
// for a dead-letter queue to receive what AWS services send it and for an operator to read,
// redrive and delete its messages with the SDK or the AWS CLI.
//
// Layout: model.ts (queues, messages, visibility, redrive), attributes.ts and messages.ts (what SQS
// checks), errors.ts (its error codes), api.ts (one function per operation). This facade is what
// the local cloud wires: other services send through it as the identity AWS would use.
import type { Authorize, AwsRequest, AwsResponse, CallerIdentity } from '../core/types.js';
import { handleSqsRequest } from './api.js';
import { settableAttributes } from './attributes.js';
import { checkBody, checkMessageAttributes, senderIdOf, type MessageAttributeValue } from './messages.js';
import { SqsModel, type SqsSnapshot } from './model.js';

export type { MessageAttributeValue } from './messages.js';
export type { SqsSnapshot } from './model.js';

export interface LocalSqsOptions {
  accountId: string;
  region: string;
  partition?: string;
  authorize: Authorize;
  /** The endpoint queue URLs name (http://host:port), so a QueueUrl works as returned. */
  endpointUrl: string;
  now?: () => number;
}

export class LocalSqs {
  private readonly model: SqsModel;

  constructor(private readonly options: LocalSqsOptions) {
    this.model = new SqsModel({ region: options.region, partition: options.partition ?? 'aws', urlBase: options.endpointUrl, now: options.now ?? Date.now });
  }

  /**
   * Creates a queue in the local account, or brings an existing one (restored state) to these
   * attributes, keeping its messages: what a deployment of AWS::SQS::Queue needs.
   */
  createQueue(name: string, attributes: Record<string, string> = {}, tags: Record<string, string> = {}): { url: string; arn: string; created: boolean } {
    const checked = settableAttributes(attributes);
    const existing = this.model.queueByArn(this.model.queueArn(this.options.accountId, name));
    if (existing !== undefined) {
      this.model.setAttributes(existing, checked);
      return { url: this.model.urlOf(existing), arn: existing.arn, created: false };
    }
    const { queue } = this.model.createQueue(this.options.accountId, name, checked, tags);
    return { url: this.model.urlOf(queue), arn: queue.arn, created: true };
  }

  /** Sets attributes (e.g. a queue policy) on the queue a URL names. */
  setQueueAttributes(queueUrl: string, attributes: Record<string, string>): void {
    const { accountId, name } = this.model.parseQueueUrl(queueUrl);
    this.model.setAttributes(this.model.queueNamed(accountId, name), settableAttributes(attributes));
  }

  /**
   * SendMessage on behalf of `caller`, for AWS services that deliver to a queue (a Lambda
   * destination sends as the function's execution role): the caller must be allowed sqs:SendMessage.
   */
  sendMessage(queueArn: string, message: { body: string; messageAttributes?: Record<string, MessageAttributeValue> }, caller: CallerIdentity): { messageId: string } {
    this.options.authorize(caller, 'sqs:SendMessage', queueArn);
    const queue = this.model.queueByArn(queueArn);
    if (queue === undefined) throw new Error(`Queue ${queueArn} does not exist`);
    const sent = this.model.send(queue, {
      body: checkBody(message.body),
      messageAttributes: checkMessageAttributes(message.messageAttributes),
      senderId: senderIdOf(caller),
    });
    return { messageId: sent.messageId };
  }

  handle(req: AwsRequest): Promise<AwsResponse> {
    return handleSqsRequest(this.model, this.options.authorize, this.options.accountId, req);
  }

  snapshot(): SqsSnapshot {
    return this.model.snapshot();
  }

  restore(snapshot: unknown): void {
    this.model.restore(snapshot);
  }

  /** Answers every long poll in progress (empty), so the endpoint can close. */
  close(): void {
    this.model.close();
  }
}
