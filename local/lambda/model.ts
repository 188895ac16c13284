// The Lambda model: functions by name (records, ARNs, how a name, partial ARN or ARN resolves) and
// Invoke's semantics (payload limit and parsing, invocation types). Invocations run on the
// FunctionRuntime's worker threads; no wire format here (api.ts).
import { AwsServiceError } from '../core/types.js';
import { AsyncInvocations, type EventInvokeConfig, type SendToQueue } from './async-invocations.js';
import type { FunctionRuntime } from './runtime.js';
import type { WorkerSlot } from './worker.js';

export type { FunctionError } from './worker.js';

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

export interface FunctionInput {
  name: string;
  /** Folder of a bundled asset, e.g. cdk.out/asset.<hash>. */
  codeDir: string;
  /** `index.handler` → index.js|index.mjs|index.cjs in codeDir, export `handler`. */
  handler: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb?: number;
  roleArn: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  /** DeadLetterConfig.TargetArn: where an asynchronous event goes once its retries are spent. */
  deadLetterTargetArn?: string;
}

export interface InvokeOptions {
  invocationType?: InvocationType;
  /** Set by API Gateway's integration: an HTTP client waits for this invocation's answer. */
  interactive?: boolean;
}

export interface InvokeResult {
  statusCode: number;
  /** The parsed JSON the function returned (or its error object); null for Event and DryRun. */
  payload: unknown;
  functionError?: 'Unhandled';
  executedVersion: '$LATEST';
  /** START/END/REPORT and the lines the function wrote during this invocation. */
  logs?: string;
  /** The invocation's request id (an Event invocation keeps it across its retries). */
  requestId?: string;
}

export interface FunctionRecord extends FunctionInput {
  arn: string;
  memoryMb: number;
  lastModified: string;
  workers: WorkerSlot[];
  /**
   * Whether API Gateway invokes this function: a caller is waiting on its HTTP answer, so its
   * workers keep the normal scheduling priority when background work is deprioritised (runtime.ts).
   */
  interactive: boolean;
  /** Invocations waiting for a free worker, oldest first. */
  queue: Array<(slot: WorkerSlot | Error) => void>;
  eventInvokeConfig?: EventInvokeConfig;
}

export interface LambdaModelOptions {
  accountId: string;
  region: string;
  partition: string;
  runtime: FunctionRuntime;
  onLog: (functionName: string, line: string) => void;
  /** Where asynchronous invocations deliver what they leave behind (SQS destinations and dead-letter queues). */
  sendToQueue?: SendToQueue;
  /** Multiplies the waits between asynchronous retries (1 in AWS). */
  retryIntervalScale: number;
  /** The clock asynchronous events age by. */
  now: () => number;
}

const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export function lambdaError(code: string, message: string, status: number): AwsServiceError {
  return new AwsServiceError(code, message, status);
}

/** The event a payload stands for: a string is the request body as Lambda receives it (JSON text). */
function eventOf(payload: unknown): unknown {
  if (typeof payload !== 'string') return JSON.parse(JSON.stringify(payload ?? null)) as unknown;
  if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
    throw lambdaError('RequestTooLargeException', 'Request must be smaller than 6291456 bytes for the InvokeFunction operation', 413);
  }
  try {
    return payload.trim() === '' ? {} : (JSON.parse(payload) as unknown);
  } catch (error) {
    throw lambdaError('InvalidRequestContentException', `Could not parse request body into json: ${error instanceof Error ? error.message : String(error)}`, 400);
  }
}

export class LambdaModel {
  private readonly functions = new Map<string, FunctionRecord>();
  private readonly asyncInvocations: AsyncInvocations;

  constructor(private readonly options: LambdaModelOptions) {
    this.asyncInvocations = new AsyncInvocations({
      run: (fn, event, invokedArn, requestId) => options.runtime.run(fn, event, invokedArn, requestId),
      ...(options.sendToQueue !== undefined ? { sendToQueue: options.sendToQueue } : {}),
      onLog: options.onLog,
      retryIntervalScale: options.retryIntervalScale,
      now: options.now,
    });
  }

  createFunction(input: FunctionInput): { arn: string } {
    if (this.functions.has(input.name)) {
      throw lambdaError('ResourceConflictException', `Function already exist: ${input.name}`, 409);
    }
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(input.name)) {
      throw lambdaError('InvalidParameterValueException', `1 validation error detected: Value '${input.name}' at 'functionName' failed to satisfy constraint`, 400);
    }
    const arn = this.arnFor(input.name);
    this.functions.set(input.name, {
      ...input,
      environment: { ...input.environment },
      arn,
      memoryMb: input.memoryMb ?? 128,
      lastModified: new Date().toISOString().replace('Z', '+0000'),
      workers: [],
      interactive: false,
      queue: [],
    });
    return { arn };
  }

  /** Every function, in creation order. */
  list(): FunctionRecord[] {
    return [...this.functions.values()];
  }

  async invoke(functionNameOrArn: string, payload: unknown, opts: InvokeOptions = {}): Promise<InvokeResult> {
    const fn = this.lookup(functionNameOrArn);
    if (opts.interactive === true) fn.interactive = true;
    const event = eventOf(payload);
    const invokedArn = functionNameOrArn.startsWith('arn:') ? functionNameOrArn : fn.arn;
    switch (opts.invocationType ?? 'RequestResponse') {
      case 'DryRun':
        return { statusCode: 204, payload: null, executedVersion: '$LATEST' };
      case 'Event':
        // Accepted now, run from Lambda's own queue with its retries (async-invocations.ts).
        return { statusCode: 202, payload: null, executedVersion: '$LATEST', requestId: this.asyncInvocations.accept(fn, event, invokedArn) };
      default:
        return this.options.runtime.run(fn, event, invokedArn);
    }
  }

  /** Sets how asynchronous invocations of a function are retried and where their results go. */
  putEventInvokeConfig(functionNameOrArn: string, config: Omit<EventInvokeConfig, 'lastModified'>): EventInvokeConfig {
    const fn = this.lookup(functionNameOrArn);
    const { maximumRetryAttempts, maximumEventAgeInSeconds } = config;
    if (maximumRetryAttempts !== undefined && !(Number.isInteger(maximumRetryAttempts) && maximumRetryAttempts >= 0 && maximumRetryAttempts <= 2)) {
      throw lambdaError('InvalidParameterValueException', 'MaximumRetryAttempts must be an integer from 0 to 2', 400);
    }
    if (maximumEventAgeInSeconds !== undefined && !(Number.isInteger(maximumEventAgeInSeconds) && maximumEventAgeInSeconds >= 60 && maximumEventAgeInSeconds <= 21_600)) {
      throw lambdaError('InvalidParameterValueException', 'MaximumEventAgeInSeconds must be an integer from 60 to 21600', 400);
    }
    fn.eventInvokeConfig = { ...config, lastModified: Date.now() };
    return fn.eventInvokeConfig;
  }

  /** Lambda's queue of asynchronous invocations: what a state directory keeps of Lambda. */
  get queue(): AsyncInvocations {
    return this.asyncInvocations;
  }

  /** Runs the invocations restored from a state directory, now that their functions exist again. */
  resumeRestored(): void {
    this.asyncInvocations.resume((name) => this.functions.get(name));
  }

  async close(): Promise<void> {
    this.asyncInvocations.close();
    await this.options.runtime.close(this.functions.values());
  }

  // ---- names -----------------------------------------------------------------------------------

  /** The unqualified ARN a name, partial ARN or ARN refers to (the resource IAM evaluates). */
  arnFor(functionNameOrArn: string): string {
    const { name } = this.parseName(functionNameOrArn);
    return `arn:${this.options.partition}:lambda:${this.options.region}:${this.options.accountId}:function:${name}`;
  }

  /** The function a name, partial ARN or ARN refers to; only $LATEST exists. */
  lookup(functionNameOrArn: string): FunctionRecord {
    const { name, qualifier } = this.parseName(functionNameOrArn);
    const fn = this.functions.get(name);
    const arnAccount = /^arn:[^:]+:lambda:([^:]*):([^:]*):/.exec(functionNameOrArn);
    const foreign = arnAccount !== null && (arnAccount[1] !== this.options.region || arnAccount[2] !== this.options.accountId);
    if (fn === undefined || foreign || (qualifier !== undefined && qualifier !== '$LATEST')) this.notFound(functionNameOrArn);
    return fn;
  }

  notFound(what: string): never {
    const arn = what.startsWith('arn:') ? what : `arn:${this.options.partition}:lambda:${this.options.region}:${this.options.accountId}:function:${what}`;
    throw lambdaError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
  }

  private parseName(value: string): { name: string; qualifier?: string } {
    // arn:aws:lambda:region:account:function:name[:qualifier], account:function:name, or name[:qualifier].
    const full = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::(.+))?$/.exec(value);
    const partial = /^\d{12}:function:([^:]+)(?::(.+))?$/.exec(value);
    const plain = /^([^:]+)(?::(.+))?$/.exec(value);
    const match = full ?? partial ?? plain;
    if (match === null) throw lambdaError('InvalidParameterValueException', `Invalid function name: ${value}`, 400);
    return { name: match[1] ?? '', ...(match[2] !== undefined ? { qualifier: match[2] } : {}) };
  }
}
