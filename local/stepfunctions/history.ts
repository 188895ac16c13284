// The execution history as AWS shapes it: the interpreter's event log turned into history events,
// with each Task attempt's Lambda events placed after the state entry (or retry) they belong to.
import type { HistoryEventType } from '@aws-sdk/client-sfn';
import type { StateMachine } from 'aws-local-stepfunctions';
import type { RetryScaler } from './definition.js';
import { appendEvent, type EventDetails, type ExecutionRecord, type MachineRecord } from './model.js';

export type InterpreterEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** JSON text of a state's input or output, as history events carry it. */
export function json(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

function causeText(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause);
}

/** The bookkeeping of one running execution: history, Lambda attempts, retry scaling. */
export class Run {
  /** Task attempts started by the interpreter, and those the history has reached, per state. */
  private readonly handlerCalls = new Map<string, number>();
  private readonly enters = new Map<string, number>();
  /** Lambda events of attempts the history has not reached yet. */
  private readonly pending = new Map<string, Array<{ type: HistoryEventType; details: EventDetails }>>();
  lastEntered: { name: string; type: string } | undefined;
  finished = false;
  /**
   * Set when the run is stopped from outside (StopExecution, the execution timeout): the event that
   * ends its history, written once the interpreter's log reaches the abort, after what came before.
   */
  stopping: { type: HistoryEventType; details: EventDetails } | undefined;
  /** Run first when the execution is stopped from outside, e.g. to end a Map Run with its children. */
  readonly stopHooks = new Set<() => void>();

  constructor(
    readonly exec: ExecutionRecord,
    readonly machine: MachineRecord,
    readonly scaler: RetryScaler | undefined,
    private readonly now: () => number,
  ) {}

  push(type: HistoryEventType, details: EventDetails = {}): void {
    if (this.finished) return;
    appendEvent(this.exec.history, this.now(), type, details);
  }

  /** The next attempt of a Task state's handler; its events wait until the history reaches it. */
  nextAttempt(stateName: string): number {
    const attempt = this.handlerCalls.get(stateName) ?? 0;
    this.handlerCalls.set(stateName, attempt + 1);
    return attempt;
  }

  taskEvent(stateName: string, attempt: number, type: HistoryEventType, details: EventDetails = {}): void {
    // A Task still running when the execution stopped may finish, but its history has ended.
    if (this.stopping !== undefined) return;
    if ((this.enters.get(stateName) ?? 0) > attempt) {
      this.push(type, details);
      return;
    }
    const key = `${stateName}#${attempt}`;
    this.pending.set(key, [...(this.pending.get(key) ?? []), { type, details }]);
  }

  /** The interpreter entered (or retried) a Task state: its attempt's Lambda events follow. */
  taskEntered(stateName: string): void {
    const attempt = this.enters.get(stateName) ?? 0;
    this.enters.set(stateName, attempt + 1);
    const key = `${stateName}#${attempt}`;
    for (const { type, details } of this.pending.get(key) ?? []) this.push(type, details);
    this.pending.delete(key);
  }
}

/** One event of the interpreter's log, in the shape of the AWS execution history. */
export function recordInterpreterEvent(run: Run, event: InterpreterEvent): void {
  const { exec } = run;
  switch (event.type) {
    case 'ExecutionStarted':
      run.push('ExecutionStarted', { executionStartedEventDetails: { input: exec.input, inputDetails: { truncated: false }, roleArn: exec.roleArn } });
      break;
    case 'StateEntered':
      run.lastEntered = { name: event.state.name, type: event.state.type };
      run.push(`${stateType(run, event.state)}StateEntered` as HistoryEventType, {
        stateEnteredEventDetails: { name: event.state.name, input: json(event.state.input), inputDetails: { truncated: false } },
      });
      if (event.state.type === 'Task') run.taskEntered(event.state.name);
      break;
    case 'StateRetried':
      // The retry shows as the attempt's next LambdaFunctionScheduled, as in the console.
      if (event.state.type === 'Task') run.taskEntered(event.state.name);
      break;
    case 'StateExited':
      run.push(`${stateType(run, event.state)}StateExited` as HistoryEventType, {
        stateExitedEventDetails: { name: event.state.name, output: json(event.state.output), outputDetails: { truncated: false } },
      });
      break;
    case 'ExecutionSucceeded':
      run.push('ExecutionSucceeded', { executionSucceededEventDetails: { output: json(event.output), outputDetails: { truncated: false } } });
      break;
    case 'ExecutionFailed': {
      const { error, cause } = failureOf(run, event.Error, event.Cause);
      run.push('ExecutionFailed', { executionFailedEventDetails: { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) } });
      break;
    }
    case 'ExecutionAborted':
      // The interpreter logs the abort after everything the run did before it.
      if (run.stopping !== undefined) {
        run.push(run.stopping.type, run.stopping.details);
        run.finished = true;
      }
      break;
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed': {
      const key = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails` as 'mapIterationStartedEventDetails';
      run.push(event.type, { [key]: { name: event.parentState.name, index: event.index } });
      break;
    }
    default:
      // StateFailed/StateCaught show through the Lambda events.
      break;
  }
}

/** The state's type as written: a DISTRIBUTED Map runs as a Task in the interpreter. */
function stateType(run: Run, state: { name: string; type: string }): string {
  return run.machine.distributedMaps.has(state.name) ? 'Map' : state.type;
}

/** A Fail state reports only the Error/Cause it declares; other failures carry the error's own. */
function failureOf(run: Run, error: string, cause: unknown): { error?: string; cause?: string } {
  const last = run.lastEntered;
  const state = last?.type === 'Fail' ? run.machine.states.get(last.name) : undefined;
  if (state !== undefined) {
    const declaredError = typeof state.Error === 'string' ? state.Error : state.ErrorPath !== undefined ? error : undefined;
    const declaredCause = typeof state.Cause === 'string' ? state.Cause : state.CausePath !== undefined ? causeText(cause) : undefined;
    return { ...(declaredError !== undefined ? { error: declaredError } : {}), ...(declaredCause !== undefined ? { cause: declaredCause } : {}) };
  }
  const text = causeText(cause);
  return { error, ...(text !== undefined ? { cause: text } : {}) };
}
