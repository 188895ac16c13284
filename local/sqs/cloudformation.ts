// CloudFormation types of SQS: standard queues (attributes from their properties) and queue
// policies, kept as each queue's Policy attribute.
import type { ResourceHandler } from '../deploy/handler.js';
import { requireString } from '../deploy/properties.js';

/** The SQS operations the deployer needs (structural, so tests can pass fakes). */
export interface SqsDeployTarget {
  createQueue(name: string, attributes: Record<string, string>, tags: Record<string, string>): { url: string; arn: string };
  setQueueAttributes(queueUrl: string, attributes: Record<string, string>): void;
}

/** Queue properties that are queue attributes; objects (policies) become their JSON text. */
const ATTRIBUTE_PROPERTIES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'SqsManagedSseEnabled',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
];

function attributeValue(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function targetOf(targets: { sqs?: SqsDeployTarget }): SqsDeployTarget {
  if (targets.sqs === undefined) throw new Error('this deployment has no SQS target');
  return targets.sqs;
}

const queue: ResourceHandler = {
  type: 'AWS::SQS::Queue',
  // Deployed on every start: an existing queue (restored with its messages) gets the template's
  // attributes, and its URL names the endpoint of this run.
  persistent: false,
  deploy(props, ctx) {
    const name = ctx.physicalName(props.QueueName, 80);
    const attributes: Record<string, string> = {};
    for (const property of ATTRIBUTE_PROPERTIES) if (props[property] !== undefined) attributes[property] = attributeValue(props[property]);
    const tags = Object.fromEntries(((props.Tags ?? []) as Array<{ Key: string; Value: string }>).map((tag) => [tag.Key, tag.Value]));
    const { url, arn } = targetOf(ctx.targets).createQueue(name, attributes, tags);
    return { physicalId: url, ref: url, arn, attributes: { Arn: arn, QueueName: name, QueueUrl: url } };
  },
};

const queuePolicy: ResourceHandler = {
  type: 'AWS::SQS::QueuePolicy',
  persistent: false,
  deploy(props, ctx) {
    const document = JSON.stringify(props.PolicyDocument);
    const urls = ((props.Queues ?? []) as unknown[]).map((url, index) => requireString(url, `${ctx.logicalId}.Queues[${index}]`));
    for (const url of urls) targetOf(ctx.targets).setQueueAttributes(url, { Policy: document });
    return ctx.genericIdentity();
  },
};

export const sqsResourceHandlers: ResourceHandler[] = [queue, queuePolicy];
