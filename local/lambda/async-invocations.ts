// Asynchronous invocations (InvocationType Event, which is how EventBridge invokes its targets),
// as Lambda runs them: accepted at once, then run from Lambda's own queue. A function error or a
// timeout is retried MaximumRetryAttempts times (default 2), one minute and then two minutes
// later; an event older than MaximumEventAgeInSeconds is not run again. What is left goes to the
// on-failure destination (an invocation record) and to the function's dead-letter queue (the
// event itself), sent as the function's execution role.
// An accepted invocation is a record of the change log until it is done, so a cloud with a state
// directory runs it again after a crash or a stop (at least once, as Lambda's queue does).
import { randomUUID } from 'node:crypto';
import { ChangeLog, type RecordChange } from '../core/changes.js';
import type { FunctionRecord, InvokeResult } from './model.js';

/** A function's asynchronous invocation settings (PutFunctionEventInvokeConfig, AWS::Lambda::EventInvokeConfig). */
export interface EventInvokeConfig {
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  onSuccess?: string;
  onFailure?: string;
  lastModified: number;
}

/**
 * The settings an EventInvokeConfig declares, read from its API / CloudFormation shape
 * ({ MaximumRetryAttempts, MaximumEventAgeInSeconds, DestinationConfig: { OnSuccess, OnFailure } }).
 */
export function eventInvokeConfigFrom(shape: Record<string, unknown>): Omit<EventInvokeConfig, 'lastModified'> {
  const number = (value: unknown) => (typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : undefined);
  const destinationOf = (value: unknown) => {
    const destination = (value as { Destination?: unknown } | undefined)?.Destination;
    return typeof destination === 'string' && destination !== '' ? destination : undefined;
  };
  const destinations = (shape.DestinationConfig ?? {}) as { OnSuccess?: unknown; OnFailure?: unknown };
  const config: Omit<EventInvokeConfig, 'lastModified'> = {};
  const retries = number(shape.MaximumRetryAttempts);
  const age = number(shape.MaximumEventAgeInSeconds);
  const onSuccess = destinationOf(destinations.OnSuccess);
  const onFailure = destinationOf(destinations.OnFailure);
  if (retries !== undefined) config.maximumRetryAttempts = retries;
  if (age !== undefined) config.maximumEventAgeInSeconds = age;
  if (onSuccess !== undefined) config.onSuccess = onSuccess;
  if (onFailure !== undefined) config.onFailure = onFailure;
  return config;
}

/** A message for a queue: the body and the message attributes Lambda sets on it. */
export interface QueueMessage {
  body: string;
  messageAttributes?: Record<string, { DataType: string; StringValue: string }>;
}

/** Sends a message to an SQS queue as the function's execution role (`roleArn`). */
export type SendToQueue = (queueArn: string, message: QueueMessage, roleArn: string) => Promise<void>;

export interface AsyncInvocationOptions {
  run: (fn: FunctionRecord, event: unknown, invokedFunctionArn: string, requestId: string) => Promise<InvokeResult>;
  sendToQueue?: SendToQueue;
  onLog: (functionName: string, line: string) => void;
  /** Multiplies the waits between retries (1 in AWS; tests shorten them). */
  retryIntervalScale: number;
  now: () => number;
}

const DEFAULT_RETRY_ATTEMPTS = 2;
const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 21_600;
/** Lambda waits a minute before the first retry and two minutes before the second. */
const RETRY_DELAYS_MS = [60_000, 120_000];
const MAX_ERROR_MESSAGE_BYTES = 1024;

interface Invocation {
  fn: FunctionRecord;
  event: unknown;
  invokedFunctionArn: string;
  requestId: string;
  acceptedAt: number;
  attempts: number;
}

/** An invocation as persisted: its function by name (functions are deployed again at each start). */
export interface PersistedInvocation {
  functionName: string;
  event: unknown;
  invokedFunctionArn: string;
  requestId: string;
  acceptedAt: number;
  attempts: number;
}

type FailureCondition = 'RetriesExhausted' | 'EventAgeExceeded';

const recordKey = (requestId: string) => `invocation/${requestId}`;

export class AsyncInvocations {
  readonly changes = new ChangeLog();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Accepted and not done yet: queued, running or waiting for a retry. */
  private readonly pending = new Map<string, Invocation>();
  private restored: PersistedInvocation[] = [];
  private closed = false;

  constructor(private readonly options: AsyncInvocationOptions) {}

  /** Queues one invocation and returns its request id (what Invoke answers with 202). */
  accept(fn: FunctionRecord, event: unknown, invokedFunctionArn: string): string {
    const invocation: Invocation = { fn, event, invokedFunctionArn, requestId: randomUUID(), acceptedAt: this.options.now(), attempts: 0 };
    this.track(invocation);
    this.later(0, () => this.attempt(invocation));
    return invocation.requestId;
  }

  /** Every invocation not done yet, as records. */
  records(): RecordChange[] {
    return [...this.pending.values()].map((invocation) => [recordKey(invocation.requestId), persisted(invocation)]);
  }

  /** Holds the invocations of the last run until their functions exist again (resume). */
  restoreRecords(records: ReadonlyMap<string, unknown>): void {
    this.restored = [...records.values()] as PersistedInvocation[];
  }

  /**
   * Runs the restored invocations again, from Lambda's queue: one that was running when the cloud
   * died runs again (at least once); one waiting for a retry is retried now.
   */
  resume(lookup: (functionName: string) => FunctionRecord | undefined): void {
    for (const saved of this.restored.splice(0)) {
      const fn = lookup(saved.functionName);
      if (fn === undefined) {
        this.options.onLog(saved.functionName, `async invocation ${saved.requestId} dropped: the function no longer exists`);
        continue;
      }
      const invocation: Invocation = { ...saved, fn };
      this.track(invocation);
      this.later(0, () => this.attempt(invocation));
    }
  }

  private track(invocation: Invocation): void {
    this.pending.set(invocation.requestId, invocation);
    this.changes.put(recordKey(invocation.requestId), () => persisted(invocation));
  }

  private done(invocation: Invocation): void {
    this.pending.delete(invocation.requestId);
    this.changes.delete(recordKey(invocation.requestId));
  }

  /** Drops queued retries (in AWS they would outlive the service; here they end with it). */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(ms: number, step: () => Promise<void>): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void step();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private async attempt(invocation: Invocation): Promise<void> {
    const { fn, event, invokedFunctionArn, requestId } = invocation;
    invocation.attempts += 1;
    this.changes.put(recordKey(requestId), () => persisted(invocation));
    let result: InvokeResult;
    try {
      result = await this.options.run(fn, event, invokedFunctionArn, requestId);
    } catch (error) {
      // The runtime itself is gone (the local cloud is closing): the invocation stays queued, for the next start.
      this.options.onLog(fn.name, `async invocation ${requestId} interrupted: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (result.functionError === undefined) {
      await this.deliver(invocation, 'Success', result);
      this.done(invocation);
      return;
    }
    this.retryOrGiveUp(invocation, result);
  }

  private retryOrGiveUp(invocation: Invocation, result: InvokeResult): void {
    const { fn, requestId } = invocation;
    const config = fn.eventInvokeConfig;
    const retries = config?.maximumRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
    const error = errorSummary(result);
    if (invocation.attempts > retries) {
      this.options.onLog(fn.name, `async invocation ${requestId} failed ${invocation.attempts} time(s), last with ${error}; retries exhausted`);
      void this.giveUp(invocation, 'RetriesExhausted', result);
      return;
    }
    const delay = (RETRY_DELAYS_MS[invocation.attempts - 1] ?? RETRY_DELAYS_MS.at(-1)!) * this.options.retryIntervalScale;
    this.options.onLog(fn.name, `async invocation ${requestId} failed (attempt ${invocation.attempts}) with ${error}; retrying in ${(delay / 1000).toFixed(1)} s`);
    this.later(delay, async () => {
      const maximumAgeMs = (config?.maximumEventAgeInSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS) * 1000;
      if (this.options.now() - invocation.acceptedAt > maximumAgeMs) {
        this.options.onLog(fn.name, `async invocation ${requestId} is older than its maximum event age; not retried`);
        await this.giveUp(invocation, 'EventAgeExceeded', result);
        return;
      }
      await this.attempt(invocation);
    });
  }

  /** The on-failure destination gets the invocation record, the dead-letter queue the event; then it is done. */
  private async giveUp(invocation: Invocation, condition: FailureCondition, result: InvokeResult): Promise<void> {
    await this.deliver(invocation, condition, result);
    await this.sendToDeadLetterQueue(invocation, result);
    this.done(invocation);
  }

  private async sendToDeadLetterQueue(invocation: Invocation, result: InvokeResult): Promise<void> {
    const target = invocation.fn.deadLetterTargetArn;
    if (target === undefined) return;
    const payload = result.payload as { errorMessage?: unknown } | null;
    const errorMessage = typeof payload?.errorMessage === 'string' ? payload.errorMessage : errorSummary(result);
    await this.send(invocation.fn, target, {
      body: JSON.stringify(invocation.event),
      messageAttributes: {
        RequestID: { DataType: 'String', StringValue: invocation.requestId },
        ErrorCode: { DataType: 'Number', StringValue: String(result.statusCode) },
        ErrorMessage: { DataType: 'String', StringValue: Buffer.from(errorMessage).subarray(0, MAX_ERROR_MESSAGE_BYTES).toString('utf8') || 'Unhandled' },
      },
    });
  }

  /** Sends the invocation record to the destination configured for this outcome, if any. */
  private async deliver(invocation: Invocation, condition: FailureCondition | 'Success', result: InvokeResult): Promise<void> {
    const config = invocation.fn.eventInvokeConfig;
    const destination = condition === 'Success' ? config?.onSuccess : config?.onFailure;
    if (destination === undefined) return;
    await this.send(invocation.fn, destination, { body: JSON.stringify(invocationRecord(invocation, condition, result, this.options.now())) });
  }

  private async send(fn: FunctionRecord, targetArn: string, message: QueueMessage): Promise<void> {
    const { sendToQueue, onLog } = this.options;
    if (!/^arn:[^:]+:sqs:/.test(targetArn) || sendToQueue === undefined) {
      onLog(fn.name, `async invocation result not delivered: ${targetArn} is not a queue the local cloud runs`);
      return;
    }
    try {
      await sendToQueue(targetArn, message, fn.roleArn);
    } catch (error) {
      // As in AWS, a destination the role cannot write to loses the record; only the log tells.
      onLog(fn.name, `async invocation result not delivered to ${targetArn}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function persisted({ fn, event, invokedFunctionArn, requestId, acceptedAt, attempts }: Invocation): PersistedInvocation {
  return { functionName: fn.name, event, invokedFunctionArn, requestId, acceptedAt, attempts };
}

/** The record Lambda sends to a destination (its documented shape). */
function invocationRecord(invocation: Invocation, condition: FailureCondition | 'Success', result: InvokeResult, now: number) {
  return {
    version: '1.0',
    timestamp: new Date(now).toISOString(),
    requestContext: {
      requestId: invocation.requestId,
      functionArn: `${invocation.fn.arn}:$LATEST`,
      condition,
      approximateInvokeCount: invocation.attempts,
    },
    requestPayload: invocation.event,
    responseContext: {
      statusCode: result.statusCode,
      executedVersion: result.executedVersion,
      ...(result.functionError !== undefined ? { functionError: result.functionError } : {}),
    },
    responsePayload: result.payload,
  };
}

function errorSummary(result: InvokeResult): string {
  const payload = result.payload as { errorType?: unknown; errorMessage?: unknown } | null;
  return `${String(payload?.errorType ?? result.functionError)}: ${String(payload?.errorMessage ?? '')}`;
}
