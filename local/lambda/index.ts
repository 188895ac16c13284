// Lambda for the local cloud: each function's bundled asset runs in its own worker threads,
// with only its own environment and role credentials, behind Lambda's REST API (Invoke,
// GetFunction, GetFunctionConfiguration, ListFunctions).
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { asAwsError } from '../core/protocol.js';
import { AwsServiceError, type AwsRequest, type AwsResponse, type Authorize } from '../core/types.js';

export type InvocationType = 'RequestResponse' | 'Event' | 'DryRun';

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
}

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
}

export interface InvokeResult {
  statusCode: number;
  /** The parsed JSON the function returned (or its error object); null for Event and DryRun. */
  payload: unknown;
  functionError?: 'Unhandled';
  executedVersion: '$LATEST';
  /** START/END/REPORT and the lines the function wrote during this invocation. */
  logs?: string;
}

export interface FunctionError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

interface FunctionRecord extends FunctionInput {
  arn: string;
  memoryMb: number;
  lastModified: string;
  workers: WorkerSlot[];
  /** Invocations waiting for a free worker, oldest first. */
  queue: Array<(slot: WorkerSlot | Error) => void>;
}

interface Pending {
  id: string;
  requestId: string;
  lines: string[];
  settle: (outcome: { ok: true; payload: string } | { ok: false; error: FunctionError }) => void;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'initError'; error: FunctionError }
  | { type: 'log'; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'result'; id: string; ok: true; payload: string }
  | { type: 'result'; id: string; ok: false; error: FunctionError };

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const LOG_TAIL_BYTES = 4096;
const INIT_TIMEOUT_MS = 10_000;

/** One warm worker thread of a function; it runs one invocation at a time. */
class WorkerSlot {
  readonly worker: Worker;
  readonly ready: Promise<FunctionError | undefined>;
  busy = false;
  dead = false;
  current: Pending | undefined;
  private partial = '';

  constructor(
    fn: FunctionRecord,
    env: Record<string, string>,
    private readonly log: (line: string) => void,
    private readonly onExit: (slot: WorkerSlot) => void,
  ) {
    const logStreamName = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomUUID().replace(/-/g, '')}`;
    this.worker = new Worker(BOOTSTRAP, {
      env,
      // A clean runtime: no loader flags from the parent (tsx, vitest) leak into the function.
      execArgv: [],
      stdout: true,
      stderr: true,
      workerData: {
        codeDir: fn.codeDir,
        handler: fn.handler,
        functionName: fn.name,
        functionVersion: '$LATEST',
        memoryMb: fn.memoryMb,
        logGroupName: `/aws/lambda/${fn.name}`,
        logStreamName,
      },
    });
    // Anything that bypasses the bootstrap's write hooks still reaches the log.
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => this.write(text));
    }
    let readyResolve!: (value: FunctionError | undefined) => void;
    this.ready = new Promise((resolve) => (readyResolve = resolve));
    this.worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'ready':
          readyResolve(undefined);
          break;
        case 'initError':
          readyResolve(message.error);
          break;
        case 'log':
          this.write(message.text);
          break;
        case 'result': {
          const pending = this.current;
          if (pending === undefined || pending.id !== message.id) return;
          this.flush();
          pending.settle(message.ok ? { ok: true, payload: message.payload } : { ok: false, error: message.error });
          break;
        }
      }
    });
    this.worker.on('error', (error: Error) => {
      // An uncaught exception or unhandled rejection kills the runtime, as in Lambda.
      this.flush();
      const formatted: FunctionError = { errorType: error.name || 'Error', errorMessage: error.message, trace: error.stack?.split('\n') ?? [] };
      readyResolve(formatted);
      this.current?.settle({ ok: false, error: formatted });
    });
    this.worker.on('exit', (code) => {
      this.dead = true;
      this.flush();
      const error: FunctionError = { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${this.current?.requestId ?? '-'} Error: Runtime exited with error: exit status ${code}` };
      readyResolve(error);
      this.current?.settle({ ok: false, error });
      this.onExit(this);
    });
  }

  private write(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.emit(line);
  }

  private flush(): void {
    if (this.partial !== '') this.emit(this.partial);
    this.partial = '';
  }

  private emit(line: string): void {
    this.current?.lines.push(line);
    this.log(line);
  }

  async terminate(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
  }
}

function lambdaError(code: string, message: string, status: number): AwsServiceError {
  return new AwsServiceError(code, message, status);
}

/** Lambda's REST-JSON error: the code in x-amzn-errortype, {"Type","message"} in the body. */
function restError(error: AwsServiceError): AwsResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), 'x-amzn-errortype': error.code },
    body: JSON.stringify({ Type: error.status >= 500 ? 'Service' : 'User', message: error.message }),
  };
}

export class LocalLambda {
  private readonly functions = new Map<string, FunctionRecord>();
  private readonly partition: string;
  private readonly onLog: (functionName: string, line: string) => void;
  private readonly maxWorkers: number;
  private closed = false;

  constructor(private readonly options: LocalLambdaOptions) {
    this.partition = options.partition ?? 'aws';
    this.onLog = options.onLog ?? ((name, line) => process.stdout.write(`[${name}] ${line}\n`));
    this.maxWorkers = Math.max(1, options.maxWorkersPerFunction ?? 4);
  }

  createFunction(input: FunctionInput): { arn: string } {
    if (this.functions.has(input.name)) {
      throw lambdaError('ResourceConflictException', `Function already exist: ${input.name}`, 409);
    }
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(input.name)) {
      throw lambdaError('InvalidParameterValueException', `1 validation error detected: Value '${input.name}' at 'functionName' failed to satisfy constraint`, 400);
    }
    const arn = `arn:${this.partition}:lambda:${this.options.region}:${this.options.accountId}:function:${input.name}`;
    this.functions.set(input.name, {
      ...input,
      environment: { ...input.environment },
      arn,
      memoryMb: input.memoryMb ?? 128,
      lastModified: new Date().toISOString().replace('Z', '+0000'),
      workers: [],
      queue: [],
    });
    return { arn };
  }

  /** The function's ARN, or undefined when no such function exists. */
  functionArn(functionNameOrArn: string): string | undefined {
    try {
      return this.lookup(functionNameOrArn).arn;
    } catch {
      return undefined;
    }
  }

  async invoke(functionNameOrArn: string, payload: unknown, opts: { invocationType?: InvocationType } = {}): Promise<InvokeResult> {
    const fn = this.lookup(functionNameOrArn);
    // A string is the request body as Lambda receives it (JSON text); anything else is the event.
    let event: unknown;
    if (typeof payload !== 'string') {
      event = JSON.parse(JSON.stringify(payload ?? null)) as unknown;
    } else {
      if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
        throw lambdaError('RequestTooLargeException', 'Request must be smaller than 6291456 bytes for the InvokeFunction operation', 413);
      }
      try {
        event = payload.trim() === '' ? {} : (JSON.parse(payload) as unknown);
      } catch (error) {
        throw lambdaError('InvalidRequestContentException', `Could not parse request body into json: ${error instanceof Error ? error.message : String(error)}`, 400);
      }
    }
    const invokedArn = functionNameOrArn.startsWith('arn:') ? functionNameOrArn : fn.arn;
    switch (opts.invocationType ?? 'RequestResponse') {
      case 'DryRun':
        return { statusCode: 204, payload: null, executedVersion: '$LATEST' };
      case 'Event':
        // Accepted now, run in the background; failures only reach the log, as with async invokes.
        void this.run(fn, event, invokedArn).then(
          (result) => {
            if (result.functionError !== undefined) this.onLog(fn.name, `async invocation failed: ${JSON.stringify(result.payload)}`);
          },
          (error: unknown) => this.onLog(fn.name, `async invocation failed: ${error instanceof Error ? error.message : String(error)}`),
        );
        return { statusCode: 202, payload: null, executedVersion: '$LATEST' };
      default:
        return this.run(fn, event, invokedArn);
    }
  }

  async handle(req: AwsRequest): Promise<AwsResponse> {
    try {
      return await this.dispatch(req);
    } catch (error) {
      return restError(asAwsError(error));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const slots: WorkerSlot[] = [];
    for (const fn of this.functions.values()) {
      for (const waiter of fn.queue.splice(0)) waiter(lambdaError('ServiceException', 'The local Lambda service is shutting down.', 500));
      slots.push(...fn.workers.splice(0));
    }
    await Promise.allSettled(slots.map((slot) => slot.terminate()));
  }

  // ---- REST API ------------------------------------------------------------------------------

  private async dispatch(req: AwsRequest): Promise<AwsResponse> {
    const params = req.params;
    switch (req.action) {
      case 'Invoke': {
        const name = String(params.FunctionName ?? '');
        this.options.authorize(req.caller, 'lambda:InvokeFunction', this.arnFor(name));
        const qualifier = params.Qualifier;
        if (qualifier !== undefined && qualifier !== '$LATEST') this.notFound(`${name}:${String(qualifier)}`);
        const type = String(params.InvocationType ?? 'RequestResponse');
        if (type !== 'RequestResponse' && type !== 'Event' && type !== 'DryRun') {
          throw lambdaError('InvalidParameterValueException', `Unsupported invocation type: ${type}`, 400);
        }
        const body = typeof params.Payload === 'string' ? params.Payload : params.Payload === undefined ? '' : JSON.stringify(params.Payload);
        const result = await this.invoke(name, body, { invocationType: type });
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'x-amzn-requestid': randomUUID(),
          'x-amz-executed-version': result.executedVersion,
        };
        if (result.functionError !== undefined) headers['x-amz-function-error'] = result.functionError;
        if (params.LogType === 'Tail' && result.logs !== undefined) {
          headers['x-amz-log-result'] = Buffer.from(Buffer.from(result.logs).subarray(-LOG_TAIL_BYTES)).toString('base64');
        }
        const responseBody = result.statusCode === 200 ? JSON.stringify(result.payload) : '';
        return { status: result.statusCode, headers, body: responseBody };
      }
      case 'GetFunction':
      case 'GetFunctionConfiguration': {
        const name = String(params.FunctionName ?? '');
        this.options.authorize(req.caller, `lambda:${req.action}`, this.arnFor(name));
        const fn = this.lookup(name);
        const configuration = this.configuration(fn);
        const payload =
          req.action === 'GetFunction' ? { Configuration: configuration, Code: { RepositoryType: 'S3', Location: `file://${fn.codeDir}` } } : configuration;
        return { status: 200, headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() }, body: JSON.stringify(payload) };
      }
      case 'ListFunctions': {
        this.options.authorize(req.caller, 'lambda:ListFunctions', '*');
        const functions = [...this.functions.values()].map((fn) => this.configuration(fn));
        return { status: 200, headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() }, body: JSON.stringify({ Functions: functions }) };
      }
      default:
        throw lambdaError('UnknownOperationException', `Unknown operation ${req.action}`, 404);
    }
  }

  private configuration(fn: FunctionRecord): Record<string, unknown> {
    return {
      FunctionName: fn.name,
      FunctionArn: fn.arn,
      Runtime: 'nodejs22.x',
      Role: fn.roleArn,
      Handler: fn.handler,
      Timeout: fn.timeoutSeconds,
      MemorySize: fn.memoryMb,
      Version: '$LATEST',
      LastModified: fn.lastModified,
      Environment: { Variables: { ...fn.environment } },
      PackageType: 'Zip',
      Architectures: ['x86_64'],
      State: 'Active',
      LastUpdateStatus: 'Successful',
    };
  }

  // ---- names -----------------------------------------------------------------------------------

  /** The unqualified ARN a name, partial ARN or ARN refers to (the resource IAM evaluates). */
  private arnFor(functionNameOrArn: string): string {
    const { name } = this.parseName(functionNameOrArn);
    return `arn:${this.partition}:lambda:${this.options.region}:${this.options.accountId}:function:${name}`;
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

  private lookup(functionNameOrArn: string): FunctionRecord {
    const { name, qualifier } = this.parseName(functionNameOrArn);
    const fn = this.functions.get(name);
    const arnAccount = /^arn:[^:]+:lambda:([^:]*):([^:]*):/.exec(functionNameOrArn);
    const foreign = arnAccount !== null && (arnAccount[1] !== this.options.region || arnAccount[2] !== this.options.accountId);
    if (fn === undefined || foreign || (qualifier !== undefined && qualifier !== '$LATEST')) this.notFound(functionNameOrArn);
    return fn;
  }

  private notFound(what: string): never {
    const arn = what.startsWith('arn:') ? what : `arn:${this.partition}:lambda:${this.options.region}:${this.options.accountId}:function:${what}`;
    throw lambdaError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
  }

  // ---- workers ---------------------------------------------------------------------------------

  private environmentOf(fn: FunctionRecord): Record<string, string> {
    // Only what Lambda gives a function: its own variables, then the reserved ones on top.
    return {
      ...fn.environment,
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      AWS_ACCESS_KEY_ID: fn.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: fn.credentials.secretAccessKey,
      AWS_SESSION_TOKEN: fn.credentials.sessionToken,
      AWS_ENDPOINT_URL: this.options.endpointUrl,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      LAMBDA_TASK_ROOT: fn.codeDir,
      TZ: 'UTC',
      // Lambda runs Node 22; a Node 20 developer machine would otherwise get the SDK's upgrade notice per worker.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
  }

  /** A free warm worker, a new one below the cap, or a place in the queue. */
  private acquire(fn: FunctionRecord): Promise<WorkerSlot> {
    if (this.closed) return Promise.reject(lambdaError('ServiceException', 'The local Lambda service is shut down.', 500));
    const idle = fn.workers.find((slot) => !slot.busy && !slot.dead);
    if (idle !== undefined) {
      idle.busy = true;
      return Promise.resolve(idle);
    }
    if (fn.workers.length < this.maxWorkers) {
      const slot = new WorkerSlot(fn, this.environmentOf(fn), (line) => this.onLog(fn.name, line), (dead) => this.discard(fn, dead));
      slot.busy = true;
      fn.workers.push(slot);
      return Promise.resolve(slot);
    }
    return new Promise((resolve, reject) => fn.queue.push((slot) => (slot instanceof Error ? reject(slot) : resolve(slot))));
  }

  private release(fn: FunctionRecord, slot: WorkerSlot): void {
    slot.busy = false;
    slot.current = undefined;
    if (slot.dead) {
      this.discard(fn, slot);
      // The dead worker's place goes to the next queued invocation, on a fresh worker.
      const next = fn.queue.shift();
      if (next !== undefined) this.acquire(fn).then(next, (error: Error) => next(error));
      return;
    }
    const next = fn.queue.shift();
    if (next !== undefined) {
      slot.busy = true;
      next(slot);
    }
  }

  private discard(fn: FunctionRecord, slot: WorkerSlot): void {
    const index = fn.workers.indexOf(slot);
    if (index >= 0) fn.workers.splice(index, 1);
  }

  private async run(fn: FunctionRecord, event: unknown, invokedFunctionArn: string): Promise<InvokeResult> {
    const slot = await this.acquire(fn);
    const requestId = randomUUID();
    const started = performance.now();
    const lines: string[] = [];
    try {
      const initError = await this.initialized(slot, fn);
      const outcome =
        initError !== undefined
          ? ({ ok: false, error: initError } as const)
          : await this.runOn(slot, fn, event, invokedFunctionArn, requestId, lines);
      if (initError !== undefined) await slot.terminate(); // Lambda retries the init on the next invoke.
      const duration = performance.now() - started;
      const logs = [
        `START RequestId: ${requestId} Version: $LATEST`,
        ...lines,
        `END RequestId: ${requestId}`,
        `REPORT RequestId: ${requestId}\tDuration: ${duration.toFixed(2)} ms\tBilled Duration: ${Math.ceil(duration)} ms\tMemory Size: ${fn.memoryMb} MB`,
        '',
      ].join('\n');
      if (outcome.ok) {
        return { statusCode: 200, payload: JSON.parse(outcome.payload) as unknown, executedVersion: '$LATEST', logs };
      }
      return { statusCode: 200, payload: outcome.error, functionError: 'Unhandled', executedVersion: '$LATEST', logs };
    } finally {
      this.release(fn, slot);
    }
  }

  /** Waits for the init phase; one that hangs is cut off like Lambda's init timeout. */
  private async initialized(slot: WorkerSlot, fn: FunctionRecord): Promise<FunctionError | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<FunctionError>((resolve) => {
      timer = setTimeout(
        () => resolve({ errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds` }),
        INIT_TIMEOUT_MS + fn.timeoutSeconds * 1000,
      );
    });
    try {
      return await Promise.race([slot.ready, limit]);
    } finally {
      clearTimeout(timer);
    }
  }

  private runOn(
    slot: WorkerSlot,
    fn: FunctionRecord,
    event: unknown,
    invokedFunctionArn: string,
    requestId: string,
    lines: string[],
  ): Promise<{ ok: true; payload: string } | { ok: false; error: FunctionError }> {
    return new Promise((resolve) => {
      const timeoutMs = fn.timeoutSeconds * 1000;
      let settled = false;
      const settle: Pending['settle'] = (outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      // Past its timeout the sandbox is torn down, whatever the handler is doing.
      const timer = setTimeout(() => {
        settle({ ok: false, error: { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds` } });
        void slot.terminate();
      }, timeoutMs);
      slot.current = { id: requestId, requestId, lines, settle };
      slot.worker.postMessage({ type: 'invoke', id: requestId, event, requestId, deadlineMs: Date.now() + timeoutMs, invokedFunctionArn });
    });
  }
}
