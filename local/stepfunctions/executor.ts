// Runs executions over the aws-local-stepfunctions interpreter: Task states go to Lambda
// (lambda-task.ts), the interpreter's event log becomes the history (history.ts), and the
// outcome is written back on the execution record.
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { ExecutionAbortedError, ExecutionTimeoutError, type RunOptions } from 'aws-local-stepfunctions';
import { RetryScaler } from './definition.js';
import { json, recordInterpreterEvent, Run } from './history.js';
import { runLambdaTask, type TaskLambda } from './lambda-task.js';
import { abortedEventDetails, type ExecutionLauncher, type ExecutionRecord, type MachineRecord } from './model.js';

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
  now: () => number;
}

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
    const { result, eventLogs, abort } = machine.interpreter.run(JSON.parse(exec.input) as never, {
      context: {
        Execution: { Id: exec.arn, Name: exec.name, RoleArn: exec.roleArn, StartTime: new Date(exec.startDate).toISOString(), RedriveCount: 0 },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
      overrides: {
        taskResourceLocalHandlers: this.taskHandlers(run),
        ...(run.scaler !== undefined ? { retryIntervalOverrides: run.scaler.overrides } : {}),
      },
    });
    this.runs.set(run, { interrupt: abort });
    exec.abort = () => {
      // Stopped: the history ends with ExecutionAborted, whatever the interpreter still reports.
      run.push('ExecutionAborted', abortedEventDetails(exec));
      run.finished = true;
      abort();
    };
    const recorded = (async () => {
      for await (const event of eventLogs) recordInterpreterEvent(run, event);
    })();
    let outcome = await outcomeOf(result);
    await recorded;
    if (outcome.status === 'FAILED') {
      const failed = exec.history.findLast((event) => event.type === 'ExecutionFailed')?.executionFailedEventDetails;
      outcome = { status: 'FAILED', ...(failed?.error !== undefined ? { error: failed.error } : {}), ...(failed?.cause !== undefined ? { cause: failed.cause } : {}) };
    }
    this.finish(run, outcome);
  }

  private taskHandlers(run: Run): TaskHandlers {
    const handlers: TaskHandlers = {};
    for (const [name, state] of run.machine.states) {
      if (state.Type === 'Task') handlers[name] = ((input: unknown) => runLambdaTask(run, name, state, input, this.options)) as never;
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
  }
}

/** How the interpreter's run ended; a failure's error and cause come from the history. */
async function outcomeOf(result: Promise<unknown>): Promise<Outcome> {
  try {
    return { status: 'SUCCEEDED', output: json(await result) };
  } catch (error) {
    if (error instanceof ExecutionAbortedError) return { status: 'ABORTED' };
    if (error instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', error: 'States.Timeout' };
    return { status: 'FAILED' };
  }
}
