// Queue attributes: the ones a caller sets (names, ranges, defaults) and the ones SQS computes.
// Values travel as strings on the wire and are kept as strings.
import { invalidParameterValue, sqsError } from './errors.js';

interface NumericAttribute {
  min: number;
  max: number;
  default: number;
}

const NUMERIC: Record<string, NumericAttribute> = {
  DelaySeconds: { min: 0, max: 900, default: 0 },
  MaximumMessageSize: { min: 1024, max: 1_048_576, default: 1_048_576 },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, default: 345_600 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, default: 0 },
  VisibilityTimeout: { min: 0, max: 43_200, default: 30 },
  KmsDataKeyReusePeriodSeconds: { min: 60, max: 86_400, default: 300 },
};

const POLICY_ATTRIBUTES = new Set(['Policy', 'RedrivePolicy', 'RedriveAllowPolicy']);
const FIFO_ATTRIBUTES = new Set(['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);

/** Attributes SQS computes; GetQueueAttributes answers them, SetQueueAttributes refuses them. */
export const COMPUTED_ATTRIBUTES = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
] as const;

/** What a new standard queue has before anything is set. */
export function defaultAttributes(): Record<string, string> {
  const defaults: Record<string, string> = { SqsManagedSseEnabled: 'true' };
  for (const [name, spec] of Object.entries(NUMERIC)) {
    if (name !== 'KmsDataKeyReusePeriodSeconds') defaults[name] = String(spec.default);
  }
  return defaults;
}

export function isKnownAttribute(name: string): boolean {
  return (
    name in NUMERIC ||
    POLICY_ATTRIBUTES.has(name) ||
    FIFO_ATTRIBUTES.has(name) ||
    name === 'SqsManagedSseEnabled' ||
    name === 'KmsMasterKeyId' ||
    (COMPUTED_ATTRIBUTES as readonly string[]).includes(name)
  );
}

function checkNumeric(name: string, value: string, spec: NumericAttribute): void {
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(number >= spec.min && number <= spec.max)) {
    throw sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
  }
}

function checkRedrivePolicy(value: string): void {
  let policy: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  try {
    policy = JSON.parse(value) as typeof policy;
  } catch {
    throw sqsError('InvalidAttributeValue', 'Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON map.');
  }
  const count = Number(policy.maxReceiveCount);
  if (typeof policy.deadLetterTargetArn !== 'string' || !/^arn:[^:]+:sqs:/.test(policy.deadLetterTargetArn)) {
    throw sqsError('InvalidAttributeValue', 'Value for parameter RedrivePolicy is invalid. Reason: Invalid value for deadLetterTargetArn.');
  }
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw sqsError('InvalidAttributeValue', 'Value for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: must be an integer from 1 to 1000.');
  }
}

function checkOne(name: string, value: string): void {
  const numeric = NUMERIC[name];
  if (numeric !== undefined) return checkNumeric(name, value, numeric);
  if (name === 'SqsManagedSseEnabled' && value !== 'true' && value !== 'false') {
    throw sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
  }
  if (name === 'RedrivePolicy' && value !== '') return checkRedrivePolicy(value);
  if (POLICY_ATTRIBUTES.has(name) && value !== '') {
    try {
      JSON.parse(value);
    } catch {
      throw sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
    }
  }
}

/**
 * Checks attributes a caller sets (CreateQueue, SetQueueAttributes) and returns them as strings.
 * FIFO queues are not emulated: asking for one is refused rather than silently given a standard queue.
 */
export function settableAttributes(input: unknown): Record<string, string> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw invalidParameterValue('Attributes must be a map of attribute names to values.');
  const attributes: Record<string, string> = {};
  for (const [name, raw] of Object.entries(input)) {
    const value = typeof raw === 'string' ? raw : String(raw);
    if (!isKnownAttribute(name) || (COMPUTED_ATTRIBUTES as readonly string[]).includes(name)) {
      throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
    if (FIFO_ATTRIBUTES.has(name) && !(name === 'FifoQueue' && value === 'false')) {
      throw sqsError('UnsupportedOperation', `${name}: FIFO queues are not emulated by the local cloud.`);
    }
    if (name === 'FifoQueue') continue;
    checkOne(name, value);
    attributes[name] = value;
  }
  return attributes;
}

/** The redrive policy of a queue, when it has one. */
export function redrivePolicyOf(attributes: Record<string, string>): { deadLetterTargetArn: string; maxReceiveCount: number } | undefined {
  const raw = attributes.RedrivePolicy;
  if (raw === undefined || raw === '') return undefined;
  const policy = JSON.parse(raw) as { deadLetterTargetArn: string; maxReceiveCount: number | string };
  return { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount: Number(policy.maxReceiveCount) };
}

export function numericAttribute(attributes: Record<string, string>, name: keyof typeof NUMERIC & string): number {
  return Number(attributes[name] ?? NUMERIC[name]?.default ?? 0);
}
