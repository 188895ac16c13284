// Runs executions over the aws-local-stepfunctions interpreter: Task states go to Lambda
// (lambda-task.ts), the interpreter's event log becomes the history (history.ts), and the
// outcome is written back on the execution record.
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { ExecutionAbortedError, type RunOptions } from 'aws-local-stepfunctions';
import { RetryScaler } from './definition.js';
import { json, recordInterpreterEvent, Run } from './history.js';
import { CallbackTasks, isCallbackTask, TIMEOUTS_CONTEXT_KEY } from './callback-task.js';
import { runLambdaTask, type TaskLambda } from './lambda-task.js';
import type { TaskTokens } from './task-tokens.js';
import { abortedEventDetails, type EventDetails, type ExecutionLauncher, type ExecutionRecord, type MachineRecord } from './model.js';

type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

interface Outcome {
  status: ExecutionStatus;
  output?: string;
  error?: string;
  cause?: string;
}

export interface ExecutorOptions extends TaskLambda {
  /** Multiplier for Retry intervals: 1 = real intervals, 0 = retry at once (tests). */
  retryIntervalScale: number;
  /** Multiplier for the state machine's TimeoutSeconds: 1 = real time (tests shorten it). */
  executionTimeoutScale: number;
  now: () => number;
  region: string;
  /** Tokens of callback (`.waitForTaskToken`) states, answered through the API. */
  tokens: TaskTokens;
  /** Told when an execution ends by itself (success, failure, timeout). */
  onStatusChange?: (exec: ExecutionRecord) => void;
  /** Runs a DISTRIBUTED Map state (its Map Run), resolving with the state's result. */
  runDistributedMap: (run: Run, stateName: string, input: unknown) => Promise<unknown>;
}

/** Node timers fire at most 2^31-1 ms ahead; a longer execution timeout fires then (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

const TIMED_OUT_DETAILS = { executionTimedOutEventDetails: { error: 'States.Timeout', cause: 'The execution timed out.' } };

export class Executor implements ExecutionLauncher {
  /** Runs launched and not ended yet, with how to interrupt their interpreter once it runs. */
  private readonly runs = new Map<Run, { interrupt?: () => void }>();
  private suspended = false;

  constructor(private readonly options: ExecutorOptions) {}

  launch(exec: ExecutionRecord, machine: MachineRecord): void {
    const scale = this.options.retryIntervalScale;
    const run = new Run(exec, machine, scale === 1 ? undefined : new RetryScaler(machine.states, scale), this.options.now);
    let release!: () => void;
    exec.done = new Promise((resolve) => (release = resolve));
    this.runs.set(run, {});
    // Started on the next turn, so the caller has its answer before any Task runs.
    setImmediate(() => {
      this.execute(run)
        .catch((error: unknown) => {
          // A bug here must not leave the execution RUNNING forever.
          this.finish(run, { status: 'FAILED', error: 'States.Runtime', cause: error instanceof Error ? error.message : String(error) });
        })
        .finally(() => {
          this.runs.delete(run);
          release();
        });
    });
  }

  /**
   * Stops every run where it is without ending its execution, which stays RUNNING (a persisted one
   * starts again from the start after a restart); executions launched from now on wait likewise.
   * Resolves once no run is left.
   */
  async suspend(): Promise<void> {
    this.suspended = true;
    for (const [run, { interrupt }] of this.runs) {
      run.finished = true;
      interrupt?.();
    }
    await Promise.allSettled([...this.runs.keys()].map((run) => run.exec.done));
  }

  private async execute(run: Run): Promise<void> {
    const { exec, machine } = run;
    if (exec.status !== 'RUNNING' || this.suspended) return;
    const callbacks = new CallbackTasks(run, this.options);
    const { result, eventLogs, abort } = machine.interpreter.run(JSON.parse(exec.input) as never, {
      context: {
        Execution: { Id: exec.arn, Name: exec.name, RoleArn: exec.roleArn, StartTime: new Date(exec.startDate).toISOString(), RedriveCount: 0 },
        StateMachine: { Id: machine.arn, Name: machine.name },
        Task: callbacks.taskContext,
        [TIMEOUTS_CONTEXT_KEY]: callbacks.timeouts,
      } as never,
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers(run, callbacks),
        ...(run.scaler !== undefined ? { retryIntervalOverrides: run.scaler.overrides } : {}),
      },
    });
    // Ends the run from outside the interpreter (a stop, the timeout): the history's last event is
    // `type`, whatever the interpreter still reports. A Task running now finishes; no state follows.
    const end = (type: 'ExecutionAborted' | 'ExecutionTimedOut', details: EventDetails): void => {
      for (const hook of run.stopHooks) hook();
      run.stopping = { type, details };
      abort();
    };
    this.runs.set(run, { interrupt: abort });
    exec.abort = () => end('ExecutionAborted', abortedEventDetails(exec));
    const timer = this.timeoutTimer(run, () => end('ExecutionTimedOut', TIMED_OUT_DETAILS));
    try {
      const recorded = (async () => {
        for await (const event of eventLogs) recordInterpreterEvent(run, event);
      })();
      let outcome = await outcomeOf(result);
      await recorded;
      if (run.stopping?.type === 'ExecutionTimedOut') outcome = { status: 'TIMED_OUT', error: 'States.Timeout' };
      if (outcome.status === 'FAILED') {
        const failed = exec.history.findLast((event) => event.type === 'ExecutionFailed')?.executionFailedEventDetails;
        outcome = { status: 'FAILED', ...(failed?.error !== undefined ? { error: failed.error } : {}), ...(failed?.cause !== undefined ? { cause: failed.cause } : {}) };
      }
      this.finish(run, outcome);
    } finally {
      clearTimeout(timer);
      callbacks.closeAll();
    }
  }

  /**
   * The state machine's TimeoutSeconds, scaled, counted from the execution's start: an execution
   * restarted after a restore keeps its deadline. Unref'd: a pending timeout keeps no process alive.
   */
  private timeoutTimer(run: Run, onTimeout: () => void): NodeJS.Timeout | undefined {
    const seconds = run.machine.timeoutSeconds;
    if (seconds === undefined) return undefined;
    const deadline = run.exec.startDate + seconds * 1000 * this.options.executionTimeoutScale;
    const timer = setTimeout(onTimeout, Math.min(MAX_TIMER_MS, Math.max(0, deadline - this.options.now())));
    timer.unref();
    return timer;
  }

  private taskHandlers(run: Run, callbacks: CallbackTasks): TaskHandlers {
    const handlers: TaskHandlers = {};
    for (const [name, state] of run.machine.states) {
      if (run.machine.distributedMaps.has(name)) handlers[name] = ((input: unknown) => this.options.runDistributedMap(run, name, input)) as never;
      else if (isCallbackTask(state)) handlers[name] = ((input: unknown) => callbacks.execute(name, input)) as never;
      else if (state.Type === 'Task') handlers[name] = ((input: unknown) => runLambdaTask(run, name, state, input, this.options)) as never;
    }
    return handlers;
  }

  private finish(run: Run, outcome: Outcome): void {
    const { exec } = run;
    run.finished = true;
    if (exec.status !== 'RUNNING' || this.suspended) return; // stopped or suspended meanwhile
    exec.status = outcome.status;
    exec.stopDate = this.options.now();
    if (outcome.output !== undefined) exec.output = outcome.output;
    if (outcome.error !== undefined) exec.error = outcome.error;
    if (outcome.cause !== undefined) exec.cause = outcome.cause;
    this.options.onStatusChange?.(exec);
  }
}

/** How the interpreter's run ended; a failure's error and cause come from the history. */
async function outcomeOf(result: Promise<unknown>): Promise<Outcome> {
  try {
    return { status: 'SUCCEEDED', output: json(await result) };
  } catch (error) {
    if (error instanceof ExecutionAbortedError) return { status: 'ABORTED' };
    return { status: 'FAILED' };
  }
}
