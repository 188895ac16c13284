// One warm worker thread of a function (worker-bootstrap.mjs inside): its init, the invocation it
// is running, and its output split into log lines. It runs one invocation at a time.
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface FunctionError {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type Outcome = { ok: true; payload: string } | { ok: false; error: FunctionError };

/** The invocation a worker is running: its log lines so far, and how to settle it. */
export interface Invocation {
  id: string;
  requestId: string;
  lines: string[];
  settle: (outcome: Outcome) => void;
}

/** What a worker needs to know of its function. */
export interface WorkerSpec {
  name: string;
  codeDir: string;
  handler: string;
  memoryMb: number;
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'initError'; error: FunctionError }
  | { type: 'log'; stream: 'stdout' | 'stderr'; text: string }
  | { type: 'result'; id: string; ok: true; payload: string }
  | { type: 'result'; id: string; ok: false; error: FunctionError };

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);

/** The JavaScript heap a function of `memoryMb` may grow to. */
function heapLimitMb(memoryMb: number): number {
  return Math.floor(memoryMb * 0.9);
}

export class WorkerSlot {
  readonly worker: Worker;
  /** Settles once init is over: undefined when the handler loaded, else the init error. */
  readonly ready: Promise<FunctionError | undefined>;
  busy = false;
  dead = false;
  current: Invocation | undefined;
  /** Ends this worker once it has been idle too long (see FunctionRuntime). */
  idleTimer: NodeJS.Timeout | undefined;
  private partial = '';
  private settleReady!: (value: FunctionError | undefined) => void;

  constructor(
    spec: WorkerSpec,
    env: Record<string, string>,
    /** The nice value the worker's thread runs at (see FunctionRuntimeOptions.backgroundNiceness). */
    readonly niceness: number,
    private readonly log: (line: string) => void,
    private readonly onExit: (slot: WorkerSlot) => void,
  ) {
    this.ready = new Promise((resolve) => (this.settleReady = resolve));
    this.worker = new Worker(BOOTSTRAP, {
      env,
      // A clean runtime: no loader flags from the parent (tsx, vitest) leak into the function.
      execArgv: [],
      // A sandbox has no more memory than the function is configured with: its JavaScript heap stops
      // at 90 % of it (the rest is the runtime's own), so a leak fails here as in Lambda instead of
      // growing the emulator, and each warm worker stays small.
      resourceLimits: { maxOldGenerationSizeMb: heapLimitMb(spec.memoryMb) },
      stdout: true,
      stderr: true,
      workerData: {
        codeDir: spec.codeDir,
        handler: spec.handler,
        functionName: spec.name,
        functionVersion: '$LATEST',
        memoryMb: spec.memoryMb,
        niceness,
        logGroupName: `/aws/lambda/${spec.name}`,
        logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomUUID().replace(/-/g, '')}`,
      },
    });
    // Anything that bypasses the bootstrap's write hooks still reaches the log.
    for (const stream of [this.worker.stdout, this.worker.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => this.write(text));
    }
    this.worker.on('message', (message: WorkerMessage) => this.received(message));
    this.worker.on('error', (error: Error) => this.crashed(error));
    this.worker.on('exit', (code) => this.exited(code));
  }

  async terminate(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
  }

  private received(message: WorkerMessage): void {
    switch (message.type) {
      case 'ready':
        this.settleReady(undefined);
        break;
      case 'initError':
        this.settleReady(message.error);
        break;
      case 'log':
        this.write(message.text);
        break;
      case 'result': {
        const invocation = this.current;
        if (invocation === undefined || invocation.id !== message.id) return;
        this.flush();
        invocation.settle(message.ok ? { ok: true, payload: message.payload } : { ok: false, error: message.error });
        break;
      }
    }
  }

  /** An uncaught exception or unhandled rejection kills the runtime, as in Lambda; so does running out of memory. */
  private crashed(error: Error): void {
    this.flush();
    const formatted: FunctionError =
      (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? { errorType: 'Runtime.OutOfMemory', errorMessage: `RequestId: ${this.current?.requestId ?? '-'} Error: Runtime exited with error: signal: killed` }
        : { errorType: error.name || 'Error', errorMessage: error.message, trace: error.stack?.split('\n') ?? [] };
    this.settleReady(formatted);
    this.current?.settle({ ok: false, error: formatted });
  }

  private exited(code: number): void {
    this.dead = true;
    this.flush();
    const error: FunctionError = { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${this.current?.requestId ?? '-'} Error: Runtime exited with error: exit status ${code}` };
    this.settleReady(error);
    this.current?.settle({ ok: false, error });
    this.onExit(this);
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
}
