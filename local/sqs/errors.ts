// SQS errors as the JSON protocol carries them. SQS moved from the query protocol to JSON and kept
// its old error codes: each modelled error has a shape name (the JSON `__type`) and a query code
// (the `x-amzn-query-error` header), which is what the SDKs and the CLI report as the error code.
import { AwsServiceError } from '../core/types.js';

/** Modelled errors: shape name → [query code, HTTP status] (from the SQS service model). */
const MODELLED = {
  QueueDoesNotExist: ['AWS.SimpleQueueService.NonExistentQueue', 400],
  QueueNameExists: ['QueueAlreadyExists', 400],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 404],
  MessageNotInflight: ['AWS.SimpleQueueService.MessageNotInflight', 400],
  PurgeQueueInProgress: ['AWS.SimpleQueueService.PurgeQueueInProgress', 403],
  InvalidAttributeName: ['InvalidAttributeName', 400],
  InvalidAttributeValue: ['InvalidAttributeValue', 400],
  InvalidMessageContents: ['InvalidMessageContents', 400],
  UnsupportedOperation: ['AWS.SimpleQueueService.UnsupportedOperation', 400],
  InvalidAddress: ['InvalidAddress', 404],
} as const satisfies Record<string, readonly [string, number]>;

export type SqsErrorShape = keyof typeof MODELLED;

/** An SQS error: `code` is the query code; `shape` the modelled shape, when there is one. */
export class SqsError extends AwsServiceError {
  constructor(
    code: string,
    message: string,
    status: number,
    readonly shape?: SqsErrorShape,
  ) {
    super(code, message, status);
  }
}

export function sqsError(shape: SqsErrorShape, message: string): SqsError {
  const [code, status] = MODELLED[shape];
  return new SqsError(code, message, status, shape);
}

export function invalidParameterValue(message: string): SqsError {
  return new SqsError('InvalidParameterValue', message, 400);
}

export function missingParameter(name: string): SqsError {
  return new SqsError('MissingParameter', `The request must contain the parameter ${name}.`, 400);
}

export function queueDoesNotExist(): SqsError {
  return sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
}

/** The JSON `__type`, the query code and the status of any error an SQS request ends with. */
export function wireError(error: AwsServiceError): { type: string; queryCode: string; status: number } {
  if (error instanceof SqsError && error.shape !== undefined) {
    return { type: `com.amazonaws.sqs#${error.shape}`, queryCode: error.code, status: error.status };
  }
  // IAM's denial, as SQS answers it: 403 with the query code AccessDenied.
  if (error.code === 'AccessDeniedException' || error.code === 'AccessDenied') {
    return { type: 'com.amazon.coral.service#AccessDeniedException', queryCode: 'AccessDenied', status: 403 };
  }
  return { type: error.code, queryCode: error.code, status: error.status };
}
