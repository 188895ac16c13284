// Lambda for the local cloud: each function's bundled asset runs in its own worker threads,
// with only its own environment and role credentials, behind Lambda's REST API (Invoke,
// GetFunction, GetFunctionConfiguration, ListFunctions).
//
// Layout: model.ts (functions, names, Invoke semantics), runtime.ts (worker pool, environment,
// timeouts, invocation logs) over worker.ts and worker-bootstrap.mjs, api.ts (one function per
// API operation). This facade wires them for local/cloud.ts.
import type { ChangeLog, DurableService, RecordChange } from '../core/changes.js';
import { TerminalLines } from '../core/terminal-lines.js';
import type { AwsRequest, AwsResponse, Authorize } from '../core/types.js';
import { handleLambdaRequest } from './api.js';
import type { EventInvokeConfig, SendToQueue } from './async-invocations.js';
import { LambdaModel, type FunctionInput, type InvokeOptions, type InvokeResult } from './model.js';
import { FunctionRuntime } from './runtime.js';

export type { EventInvokeConfig, QueueMessage, SendToQueue } from './async-invocations.js';
export type { FunctionError, FunctionInput, InvocationType, InvokeOptions, InvokeResult } from './model.js';

export interface LocalLambdaOptions {
  accountId: string;
  region: string;
  partition?: string;
  authorize: Authorize;
  /** Given to every function as AWS_ENDPOINT_URL, so its AWS SDK talks to the local cloud. */
  endpointUrl: string;
  /** One line of a function's stdout/stderr. Default: process.stdout, prefixed with the function name. */
  onLog?: (functionName: string, line: string) => void;
  /** Warm workers per function when invocations overlap (further ones queue). Default 4. */
  maxWorkersPerFunction?: number;
  /** The same for a function API Gateway invokes (runtime.ts); at least maxWorkersPerFunction. Default 8. */
  maxApiWorkersPerFunction?: number;
  /** How long a worker may sit idle before it is ended (one per function stays warm). Default 60 s. */
  idleWorkerMs?: number;
  /** How many nice steps below the process the workers of functions API Gateway does not invoke run (runtime.ts). Default 0: all equal. */
  backgroundNiceness?: number;
  /**
   * Sends a message to an SQS queue as a function's execution role: where asynchronous
   * invocations deliver their on-failure / on-success records and dead-letter events.
   */
  sendToQueue?: SendToQueue;
  /** Multiplies the waits between asynchronous retries (one and two minutes in AWS). Default 1. */
  retryIntervalScale?: number;
  /** The clock asynchronous events age by (MaximumEventAgeInSeconds). Default Date.now. */
  now?: () => number;
}

export class LocalLambda implements DurableService {
  private readonly model: LambdaModel;
  /** Function output on the terminal when there is no onLog sink, prefixed with the function name. */
  private readonly terminal: TerminalLines | undefined;

  constructor(private readonly options: LocalLambdaOptions) {
    this.terminal = options.onLog === undefined ? new TerminalLines(process.stdout) : undefined;
    const terminal = this.terminal;
    const onLog = options.onLog ?? ((functionName: string, line: string) => terminal!.write(`[${functionName}] ${line}`));
    const runtime = new FunctionRuntime({
      region: options.region,
      endpointUrl: options.endpointUrl,
      onLog,
      maxWorkersPerFunction: options.maxWorkersPerFunction ?? 4,
      maxApiWorkersPerFunction: options.maxApiWorkersPerFunction ?? 8,
      idleWorkerMs: options.idleWorkerMs ?? 60_000,
      backgroundNiceness: options.backgroundNiceness ?? 0,
    });
    this.model = new LambdaModel({
      accountId: options.accountId,
      region: options.region,
      partition: options.partition ?? 'aws',
      runtime,
      onLog,
      ...(options.sendToQueue !== undefined ? { sendToQueue: options.sendToQueue } : {}),
      retryIntervalScale: options.retryIntervalScale ?? 1,
      now: options.now ?? Date.now,
    });
  }

  createFunction(input: FunctionInput): { arn: string } {
    return this.model.createFunction(input);
  }

  /** The function's ARN, or undefined when no such function exists. */
  functionArn(functionNameOrArn: string): string | undefined {
    try {
      return this.model.lookup(functionNameOrArn).arn;
    } catch {
      return undefined;
    }
  }

  /** How asynchronous invocations of the function are retried and where their results go. */
  putFunctionEventInvokeConfig(functionNameOrArn: string, config: Omit<EventInvokeConfig, 'lastModified'>): EventInvokeConfig {
    return this.model.putEventInvokeConfig(functionNameOrArn, config);
  }

  async invoke(functionNameOrArn: string, payload: unknown, opts: InvokeOptions = {}): Promise<InvokeResult> {
    return this.model.invoke(functionNameOrArn, payload, opts);
  }

  /** Asynchronous invocations accepted and not done yet persist (functions are deployed again at each start). */
  get changes(): ChangeLog {
    return this.model.queue.changes;
  }

  records(): RecordChange[] {
    return this.model.queue.records();
  }

  restoreRecords(records: ReadonlyMap<string, unknown>): void {
    this.model.queue.restoreRecords(records);
  }

  /** Runs the restored asynchronous invocations; call once the functions are deployed again. */
  resumeRestored(): void {
    this.model.resumeRestored();
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    return handleLambdaRequest(this.model, this.options.authorize, req);
  }

  async close(): Promise<void> {
    await this.model.close();
    this.terminal?.flush();
  }
}
