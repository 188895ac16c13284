// Runs invocations on each function's warm worker threads: the pool (a free worker, a new one
// below the cap, or a place in the queue), the environment Lambda gives a function, the init and
// invocation timeouts, and the START/END/REPORT log of each invocation.
import { randomUUID } from 'node:crypto';
import { AwsServiceError } from '../core/types.js';
import type { FunctionRecord, InvokeResult } from './model.js';
import { WorkerSlot, type FunctionError, type Invocation, type Outcome } from './worker.js';

export interface FunctionRuntimeOptions {
  region: string;
  /** Given to every function as AWS_ENDPOINT_URL, so its AWS SDK talks to the local cloud. */
  endpointUrl: string;
  onLog: (functionName: string, line: string) => void;
  /** Warm workers per function when invocations overlap (further ones queue). */
  maxWorkersPerFunction: number;
  /**
   * The same for a function API Gateway invokes (at least maxWorkersPerFunction): a REST API client
   * waits on each of its invocations, and each spends most of its time waiting on the endpoint, so
   * more workers answer more requests a second instead of queueing them.
   */
  maxApiWorkersPerFunction: number;
  /**
   * How long a function's worker may sit idle before it is ended, as Lambda reclaims idle
   * sandboxes; each function keeps one warm. Bounds the memory a burst of invocations leaves behind.
   */
  idleWorkerMs: number;
  /**
   * How far below the process's priority the workers of functions API Gateway does not invoke run
   * (a nice increment; 0 = the same priority).
   * Every service shares this machine's cores, unlike in AWS; with background work (workflow steps,
   * event targets) yielding the CPU, a REST API request is answered promptly while a thousand
   * onboardings run, and the background work takes the cores the API leaves idle.
   */
  backgroundNiceness: number;
}

const INIT_TIMEOUT_MS = 10_000;

function timedOut(fn: FunctionRecord): FunctionError {
  return { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds` };
}

function invocationLogs(fn: FunctionRecord, requestId: string, lines: string[], durationMs: number): string {
  return [
    `START RequestId: ${requestId} Version: $LATEST`,
    ...lines,
    `END RequestId: ${requestId}`,
    `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(durationMs)} ms\tMemory Size: ${fn.memoryMb} MB`,
    '',
  ].join('\n');
}

export class FunctionRuntime {
  private closed = false;
  private readonly maxWorkers: number;
  private readonly maxApiWorkers: number;

  constructor(private readonly options: FunctionRuntimeOptions) {
    this.maxWorkers = Math.max(1, options.maxWorkersPerFunction);
    this.maxApiWorkers = Math.max(this.maxWorkers, options.maxApiWorkersPerFunction);
  }

  /** One invocation of `fn` with `event`, on a warm worker or a fresh one. */
  async run(fn: FunctionRecord, event: unknown, invokedFunctionArn: string, requestId: string = randomUUID()): Promise<InvokeResult> {
    const slot = await this.acquire(fn);
    const started = performance.now();
    const lines: string[] = [];
    try {
      const initError = await this.initialized(slot, fn);
      const outcome: Outcome =
        initError !== undefined ? { ok: false, error: initError } : await this.runOn(slot, fn, { event, invokedFunctionArn, requestId, lines });
      if (initError !== undefined) await slot.terminate(); // Lambda retries the init on the next invoke.
      const logs = invocationLogs(fn, requestId, lines, performance.now() - started);
      if (outcome.ok) {
        return { statusCode: 200, payload: JSON.parse(outcome.payload) as unknown, executedVersion: '$LATEST', logs };
      }
      return { statusCode: 200, payload: outcome.error, functionError: 'Unhandled', executedVersion: '$LATEST', logs };
    } finally {
      this.release(fn, slot);
    }
  }

  /** Ends every worker; invocations still queued fail with ServiceException. */
  async close(functions: Iterable<FunctionRecord>): Promise<void> {
    this.closed = true;
    const slots: WorkerSlot[] = [];
    for (const fn of functions) {
      for (const waiter of fn.queue.splice(0)) waiter(new AwsServiceError('ServiceException', 'The local Lambda service is shutting down.', 500));
      slots.push(...fn.workers.splice(0));
    }
    for (const slot of slots) clearTimeout(slot.idleTimer);
    await Promise.allSettled(slots.map((slot) => slot.terminate()));
  }

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

  private nicenessOf(fn: FunctionRecord): number {
    return fn.interactive ? 0 : this.options.backgroundNiceness;
  }

  /** A free warm worker, a new one below the cap, or a place in the queue. */
  private acquire(fn: FunctionRecord): Promise<WorkerSlot> {
    if (this.closed) return Promise.reject(new AwsServiceError('ServiceException', 'The local Lambda service is shut down.', 500));
    const idle = fn.workers.find((slot) => !slot.busy && !slot.dead && slot.niceness === this.nicenessOf(fn));
    if (idle !== undefined) {
      clearTimeout(idle.idleTimer);
      idle.busy = true;
      return Promise.resolve(idle);
    }
    // An idle worker started at another priority (before API Gateway first invoked its function) gives up its place.
    for (const stale of fn.workers.filter((slot) => !slot.busy && !slot.dead && slot.niceness !== this.nicenessOf(fn))) {
      clearTimeout(stale.idleTimer);
      this.discard(fn, stale);
      void stale.terminate();
    }
    if (fn.workers.length < (fn.interactive ? this.maxApiWorkers : this.maxWorkers)) {
      const slot = new WorkerSlot(fn, this.environmentOf(fn), this.nicenessOf(fn), (line) => this.options.onLog(fn.name, line), (dead) => this.discard(fn, dead));
      slot.busy = true;
      fn.workers.push(slot);
      return Promise.resolve(slot);
    }
    return new Promise((resolve, reject) => fn.queue.push((slot) => (slot instanceof Error ? reject(slot) : resolve(slot))));
  }

  private release(fn: FunctionRecord, slot: WorkerSlot): void {
    slot.busy = false;
    slot.current = undefined;
    if (!slot.dead && slot.niceness !== this.nicenessOf(fn)) {
      // Started before API Gateway first invoked its function: replaced at the new priority.
      this.discard(fn, slot);
      void slot.terminate();
    }
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
      return;
    }
    slot.idleTimer = setTimeout(() => this.retire(fn, slot), this.options.idleWorkerMs);
    slot.idleTimer.unref();
  }

  /** Ends a worker still idle since its timer was set, unless it is its function's last one. */
  private retire(fn: FunctionRecord, slot: WorkerSlot): void {
    if (this.closed || slot.busy || slot.dead || fn.workers.filter((other) => !other.dead).length <= 1) return;
    this.discard(fn, slot);
    void slot.terminate();
  }

  private discard(fn: FunctionRecord, slot: WorkerSlot): void {
    const index = fn.workers.indexOf(slot);
    if (index >= 0) fn.workers.splice(index, 1);
  }

  /** Waits for the init phase; one that hangs is cut off like Lambda's init timeout. */
  private async initialized(slot: WorkerSlot, fn: FunctionRecord): Promise<FunctionError | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<FunctionError>((resolve) => {
      timer = setTimeout(() => resolve(timedOut(fn)), INIT_TIMEOUT_MS + fn.timeoutSeconds * 1000);
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
    request: { event: unknown; invokedFunctionArn: string; requestId: string; lines: string[] },
  ): Promise<Outcome> {
    const { event, invokedFunctionArn, requestId, lines } = request;
    return new Promise((resolve) => {
      const timeoutMs = fn.timeoutSeconds * 1000;
      let settled = false;
      const settle: Invocation['settle'] = (outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      // Past its timeout the sandbox is torn down, whatever the handler is doing.
      const timer = setTimeout(() => {
        settle({ ok: false, error: timedOut(fn) });
        void slot.terminate();
      }, timeoutMs);
      slot.current = { id: requestId, requestId, lines, settle };
      slot.worker.postMessage({ type: 'invoke', id: requestId, event, requestId, deadlineMs: Date.now() + timeoutMs, invokedFunctionArn });
    });
  }
}
