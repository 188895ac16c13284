// Local SQS: standard queues behind the JSON protocol (X-Amz-Target: AmazonSQS.<Action>), enough
// for a dead-letter queue to receive what AWS services send it and for an operator to read,
// redrive and delete its messages with the SDK or the AWS CLI.
//
// Layout: model.ts (queues, messages, visibility, redrive), attributes.ts and messages.ts (what SQS
// checks), errors.ts (its error codes), api.ts (one function per operation). This facade is what
// the local cloud wires: other services send through it as the identity AWS would use.
import { ChangeLog, type DurableService, type RecordChange } from '../core/changes.js';
import { AwsServiceError, type Authorize, type AwsRequest, type AwsResponse, type CallerIdentity, type PolicyDocument } from '../core/types.js';
import { evaluatePolicy } from '../iam/policy-eval.js';
import { handleSqsRequest } from './api.js';
import { settableAttributes } from './attributes.js';
import { checkBody, checkMessageAttributes, senderIdOf, type MessageAttributeValue } from './messages.js';
import { SqsModel, type SqsSnapshot } from './model.js';
import { sqsRecords, sqsStateOf } from './records.js';

export type { MessageAttributeValue } from './messages.js';
export type { SqsSnapshot } from './model.js';

/** A message an AWS service sends to a queue. */
export interface OutgoingMessage {
  body: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
}

export interface LocalSqsOptions {
  accountId: string;
  region: string;
  partition?: string;
  authorize: Authorize;
  /** The endpoint queue URLs name (http://host:port), so a QueueUrl works as returned. */
  endpointUrl: string;
  now?: () => number;
}

export class LocalSqs implements DurableService {
  /** Changed queues and messages, for persistence. */
  readonly changes = new ChangeLog();
  private readonly model: SqsModel;

  constructor(private readonly options: LocalSqsOptions) {
    this.model = new SqsModel({
      region: options.region,
      partition: options.partition ?? 'aws',
      urlBase: options.endpointUrl,
      now: options.now ?? Date.now,
      changes: this.changes,
    });
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
   * SendMessage on behalf of `caller`, for AWS services that deliver to a queue as a role (a
   * Lambda destination sends as the function's execution role): the role must allow sqs:SendMessage.
   */
  sendMessage(queueArn: string, message: OutgoingMessage, caller: CallerIdentity): { messageId: string } {
    this.options.authorize(caller, 'sqs:SendMessage', queueArn);
    return this.send(queueArn, message, senderIdOf(caller));
  }

  /**
   * SendMessage by an AWS service principal on its own (EventBridge's dead-letter queues): only the
   * queue's policy can allow it, evaluated with the service principal and the source it acts for.
   */
  sendMessageAsService(queueArn: string, message: OutgoingMessage, service: { principal: string; sourceArn: string; sourceAccount: string }): { messageId: string } {
    const policy = this.model.queueByArn(queueArn)?.attributes.Policy;
    const decision =
      policy === undefined
        ? 'ImplicitDeny'
        : evaluatePolicy(JSON.parse(policy) as PolicyDocument, {
            action: 'sqs:SendMessage',
            resource: queueArn,
            principal: { type: 'Service', service: service.principal },
            context: { 'aws:SourceArn': service.sourceArn, 'aws:SourceAccount': service.sourceAccount, 'aws:SecureTransport': 'true' },
          });
    if (decision !== 'Allow') {
      throw new AwsServiceError('AccessDenied', `${service.principal} is not authorized to perform: sqs:SendMessage on resource: ${queueArn} because no resource-based policy allows the sqs:SendMessage action`, 403);
    }
    return this.send(queueArn, message, service.principal);
  }

  private send(queueArn: string, message: OutgoingMessage, senderId: string): { messageId: string } {
    const queue = this.model.queueByArn(queueArn);
    if (queue === undefined) throw new AwsServiceError('AWS.SimpleQueueService.NonExistentQueue', `Queue ${queueArn} does not exist`, 400);
    const sent = this.model.send(queue, { body: checkBody(message.body), messageAttributes: checkMessageAttributes(message.messageAttributes), senderId });
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

  records(): RecordChange[] {
    return sqsRecords(this.model.snapshot());
  }

  restoreRecords(records: ReadonlyMap<string, unknown>): void {
    this.model.restore(sqsStateOf(records));
  }

  /** Answers every long poll in progress (empty), so the endpoint can close. */
  close(): void {
    this.model.close();
  }
}
