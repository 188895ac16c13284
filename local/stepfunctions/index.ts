// Step Functions for the local cloud: the AWS JSON 1.0 API (X-Amz-Target: AWSStepFunctions.*)
// over the aws-local-stepfunctions interpreter. Standard-workflow semantics: idempotent
// StartExecution by name, Task states invoking Lambda with the state machine's role, and an
// execution history shaped like the console's.
import '../polyfills.js';
import { randomUUID } from 'node:crypto';
import type { ExecutionStatus, HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import { ExecutionAbortedError, ExecutionTimeoutError, StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { asAwsError, jsonError, jsonResponse } from '../core/protocol.js';
import { AwsServiceError, type AwsRequest, type AwsResponse, type Authorize, type CallerIdentity } from '../core/types.js';
import { RetryScaler, statesByName, taskTimeoutMs, withDefaultTaskTimeouts, type StateDefinition } from './definition.js';

export interface LocalStepFunctionsOptions {
  accountId: string;
  region: string;
  partition?: string;
  authorize: Authorize;
  /**
   * Invokes a Lambda function for a Task state and returns its output. A function error must be
   * thrown as an Error whose `name` is the Lambda errorType and whose message is the JSON cause.
   */
  invokeLambda: (functionArn: string, input: unknown, caller: CallerIdentity) => Promise<unknown>;
  /** The identity of a session of the state machine's role (what Task states call Lambda with). */
  roleSession: (roleArn: string) => CallerIdentity;
  /** Multiplier for Retry intervals: 1 = real intervals, 0 = retry at once (tests). */
  retryIntervalScale?: number;
  now?: () => number;
}

export interface StateMachineInput {
  name: string;
  /** ASL JSON, with substitutions already resolved. */
  definition: string;
  roleArn: string;
  type?: 'STANDARD';
}

export interface ExecutionDescription {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
}

export interface ExecutionListItem {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
}

/** A history event as stored: the SDK's HistoryEvent with the timestamp in epoch ms. */
type StoredEvent = Omit<HistoryEvent, 'timestamp' | 'id'> & { timestamp: number; id: number };
/** The *EventDetails part of a history event. */
type EventDetails = Omit<HistoryEvent, 'timestamp' | 'id' | 'previousEventId' | 'type'>;
type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

type InterpreterEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

interface MachineRecord {
  arn: string;
  name: string;
  definition: string;
  roleArn: string;
  creationDate: number;
  interpreter: StateMachine;
  states: Map<string, StateDefinition>;
}

interface ExecutionRecord {
  arn: string;
  name: string;
  stateMachineArn: string;
  stateMachineName: string;
  roleArn: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  /** Order of starts, for newest-first listing and stable page tokens. */
  seq: number;
  history: StoredEvent[];
  /** Resolves once the execution has ended and its history is complete. */
  done: Promise<void>;
  abort?: () => void;
}

type ExecutionSnapshot = Omit<ExecutionRecord, 'done' | 'abort'>;

interface Snapshot {
  version: 1;
  seq: number;
  stateMachines: Array<Omit<MachineRecord, 'interpreter' | 'states'>>;
  executions: ExecutionSnapshot[];
}

const NAME = /^[A-Za-z0-9_-]{1,80}$/;
const MAX_RESULTS = 1000;
const DEFAULT_RESULTS = 100;
/** Lambda errors Step Functions reports under their own code; anything else is AWSLambdaException. */
const MODELED_LAMBDA_ERRORS = new Set([
  'ResourceNotFoundException', 'TooManyRequestsException', 'ServiceException', 'InvalidRequestContentException',
  'RequestTooLargeException', 'ResourceConflictException', 'InvalidParameterValueException', 'UnsupportedMediaTypeException',
  'InvalidRuntimeException', 'ResourceNotReadyException', 'CodeStorageExceededException',
]);

function sfnError(code: string, message: string): AwsServiceError {
  return new AwsServiceError(code, message, 400);
}

function json(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}

function causeText(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  if (typeof cause === 'string') return cause;
  if (cause instanceof Error) return cause.message;
  return JSON.stringify(cause);
}

/** How an error of the Lambda service itself (not of the function) surfaces in a Task state. */
function lambdaServiceError(error: AwsServiceError): Error {
  const name = MODELED_LAMBDA_ERRORS.has(error.code) ? `Lambda.${error.code}` : 'Lambda.AWSLambdaException';
  const wrapped = new Error(
    `${error.message} (Service: AWSLambda; Status Code: ${error.status}; Error Code: ${error.code}; Request ID: ${randomUUID()}; Proxy: null)`,
  );
  wrapped.name = name;
  return wrapped;
}

function encodeToken(value: number): string {
  return Buffer.from(JSON.stringify({ after: value })).toString('base64');
}

function decodeToken(token: unknown): number | undefined {
  if (token === undefined || token === null || token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'number') return parsed.after;
  } catch {
    // falls through to InvalidToken
  }
  throw sfnError('InvalidToken', `Invalid Token: '${String(token)}'`);
}

function pageSize(value: unknown): number {
  const n = typeof value === 'number' ? value : 0;
  if (n < 0 || n > MAX_RESULTS) throw sfnError('ValidationException', `1 validation error detected: Value '${n}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to ${MAX_RESULTS}`);
  return n === 0 ? DEFAULT_RESULTS : n;
}

/** Epoch seconds with milliseconds, as the JSON protocol carries timestamps. */
function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

/** The bookkeeping of one running execution: history, Lambda attempts, retry scaling. */
class Run {
  /** Task attempts started by the interpreter, and those the history has reached, per state. */
  private readonly handlerCalls = new Map<string, number>();
  private readonly enters = new Map<string, number>();
  /** Lambda events of attempts the history has not reached yet. */
  private readonly pending = new Map<string, Array<{ type: HistoryEventType; details: EventDetails }>>();
  lastEntered: { name: string; type: string } | undefined;
  finished = false;

  constructor(
    readonly exec: ExecutionRecord,
    readonly machine: MachineRecord,
    readonly scaler: RetryScaler | undefined,
    private readonly now: () => number,
  ) {}

  push(type: HistoryEventType, details: EventDetails = {}, force = false): void {
    if (this.finished && !force) return;
    const history = this.exec.history;
    const id = history.length + 1;
    history.push({ id, previousEventId: id - 1, timestamp: this.now(), type, ...details });
  }

  /** The next attempt of a Task state's handler; its events wait until the history reaches it. */
  nextAttempt(stateName: string): number {
    const attempt = this.handlerCalls.get(stateName) ?? 0;
    this.handlerCalls.set(stateName, attempt + 1);
    return attempt;
  }

  taskEvent(stateName: string, attempt: number, type: HistoryEventType, details: EventDetails = {}): void {
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

export class LocalStepFunctions {
  private readonly machines = new Map<string, MachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly partition: string;
  private readonly now: () => number;
  private readonly retryIntervalScale: number;
  private seq = 0;
  /** Restored running executions not restarted yet. */
  private readonly held: string[] = [];

  constructor(private readonly options: LocalStepFunctionsOptions) {
    this.partition = options.partition ?? 'aws';
    this.now = options.now ?? Date.now;
    this.retryIntervalScale = options.retryIntervalScale ?? 1;
  }

  // ---- state machines --------------------------------------------------------------------------

  createStateMachine(input: StateMachineInput): { arn: string } {
    if (!NAME.test(input.name)) throw sfnError('InvalidName', `Invalid Name: '${input.name}'`);
    if (input.type !== undefined && input.type !== 'STANDARD') {
      throw sfnError('ValidationException', `The local Step Functions runs STANDARD state machines only, not ${String(input.type)}`);
    }
    const arn = this.stateMachineArn(input.name);
    const existing = this.machines.get(arn);
    if (existing !== undefined) {
      // CreateStateMachine is idempotent for an identical definition and role, as in AWS.
      if (existing.definition === input.definition && existing.roleArn === input.roleArn) return { arn };
      throw sfnError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    this.machines.set(arn, this.compile(arn, input.name, input.definition, input.roleArn, this.now()));
    return { arn };
  }

  private compile(arn: string, name: string, definition: string, roleArn: string, creationDate: number): MachineRecord {
    let parsed: StateMachineDefinition;
    try {
      parsed = JSON.parse(definition) as StateMachineDefinition;
      // Validates the definition as written (ARNs and paths included).
      new StateMachine(parsed, { validationOptions: { checkArn: true, checkPaths: true } });
    } catch (error) {
      throw sfnError('InvalidDefinition', `Invalid State Machine Definition: '${error instanceof Error ? error.message : String(error)}'`);
    }
    const interpreter = new StateMachine(withDefaultTaskTimeouts(parsed), { validationOptions: { noValidate: true } });
    return { arn, name, definition, roleArn, creationDate, interpreter, states: statesByName(parsed) };
  }

  // ---- executions ------------------------------------------------------------------------------

  /**
   * Starts an execution. `caller` is authorized for states:StartExecution; an in-process call
   * without a caller (the local cloud itself) is trusted.
   */
  startExecution(stateMachineArn: string, params: { name?: string; input?: string } = {}, caller?: CallerIdentity): { executionArn: string; startDate: Date } {
    this.parseStateMachineArn(stateMachineArn);
    if (caller !== undefined) this.options.authorize(caller, 'states:StartExecution', stateMachineArn);
    const machine = this.machines.get(stateMachineArn);
    if (machine === undefined) throw sfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    const name = params.name ?? randomUUID();
    if (!NAME.test(name)) throw sfnError('InvalidName', `Invalid Name: '${name}'`);
    const input = params.input ?? '{}';
    try {
      JSON.parse(input);
    } catch (error) {
      throw sfnError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${error instanceof Error ? error.message : String(error)}'`);
    }
    const executionArn = `arn:${this.partition}:states:${this.options.region}:${this.options.accountId}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing !== undefined) {
      // Same name and input while running: the same execution (StartExecution is idempotent).
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: new Date(existing.startDate) };
      throw sfnError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const exec: ExecutionRecord = {
      arn: executionArn,
      name,
      stateMachineArn,
      stateMachineName: machine.name,
      roleArn: machine.roleArn,
      input,
      status: 'RUNNING',
      startDate: this.now(),
      seq: ++this.seq,
      history: [],
      done: Promise.resolve(),
    };
    this.executions.set(executionArn, exec);
    this.launch(exec, machine);
    return { executionArn, startDate: new Date(exec.startDate) };
  }

  describeExecution(executionArn: string): ExecutionDescription {
    const exec = this.execution(executionArn);
    return {
      executionArn: exec.arn,
      stateMachineArn: exec.stateMachineArn,
      name: exec.name,
      status: exec.status,
      startDate: new Date(exec.startDate),
      ...(exec.stopDate !== undefined ? { stopDate: new Date(exec.stopDate) } : {}),
      input: exec.input,
      ...(exec.output !== undefined ? { output: exec.output } : {}),
      ...(exec.error !== undefined ? { error: exec.error } : {}),
      ...(exec.cause !== undefined ? { cause: exec.cause } : {}),
    };
  }

  /** Newest first, as ListExecutions answers. */
  listExecutions(stateMachineArn: string, statusFilter?: ExecutionStatus): ExecutionListItem[] {
    if (!this.machines.has(stateMachineArn)) throw sfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    return this.executionsOf(stateMachineArn, statusFilter).map((exec) => ({
      executionArn: exec.arn,
      stateMachineArn: exec.stateMachineArn,
      name: exec.name,
      status: exec.status,
      startDate: new Date(exec.startDate),
      ...(exec.stopDate !== undefined ? { stopDate: new Date(exec.stopDate) } : {}),
    }));
  }

  getExecutionHistory(executionArn: string): HistoryEvent[] {
    return this.execution(executionArn).history.map((event) => ({ ...event, timestamp: new Date(event.timestamp) }));
  }

  /** Resolves once the execution has ended, with its final description. */
  async waitForExecution(executionArn: string): Promise<ExecutionDescription> {
    await this.execution(executionArn).done;
    return this.describeExecution(executionArn);
  }

  stopExecution(executionArn: string, params: { error?: string; cause?: string } = {}): { stopDate: Date } {
    const exec = this.execution(executionArn);
    if (exec.status === 'RUNNING') {
      exec.status = 'ABORTED';
      exec.stopDate = this.now();
      if (params.error !== undefined) exec.error = params.error;
      if (params.cause !== undefined) exec.cause = params.cause;
      if (exec.abort !== undefined) {
        exec.abort();
      } else {
        // Stopped before its first step ran: the history records just the abort.
        const id = exec.history.length + 1;
        exec.history.push({ id, previousEventId: id - 1, timestamp: exec.stopDate, type: 'ExecutionAborted', executionAbortedEventDetails: { ...(exec.error !== undefined ? { error: exec.error } : {}), ...(exec.cause !== undefined ? { cause: exec.cause } : {}) } });
      }
    }
    return { stopDate: new Date(exec.stopDate ?? this.now()) };
  }

  // ---- persistence -----------------------------------------------------------------------------

  snapshot(): unknown {
    const snapshot: Snapshot = {
      version: 1,
      seq: this.seq,
      stateMachines: [...this.machines.values()].map(({ arn, name, definition, roleArn, creationDate }) => ({ arn, name, definition, roleArn, creationDate })),
      executions: [...this.executions.values()].map(({ done: _done, abort: _abort, ...exec }) => ({
        ...exec,
        // A running execution restarts from the start on restore, with a fresh history.
        history: exec.status === 'RUNNING' ? [] : exec.history,
      })),
    };
    return structuredClone(snapshot);
  }

  /**
   * Replaces all state with a snapshot; executions that were running start again from the start.
   * With `resume: false` they wait for resumeRestored(), e.g. until the functions they call exist.
   */
  restore(state: unknown, opts: { resume?: boolean } = {}): void {
    const snapshot = state as Snapshot;
    if (snapshot?.version !== 1) throw new Error('unknown Step Functions snapshot version');
    for (const exec of this.executions.values()) exec.abort?.();
    this.machines.clear();
    this.executions.clear();
    this.held.length = 0;
    this.seq = snapshot.seq;
    for (const machine of snapshot.stateMachines) {
      this.machines.set(machine.arn, this.compile(machine.arn, machine.name, machine.definition, machine.roleArn, machine.creationDate));
    }
    for (const saved of snapshot.executions) {
      const exec: ExecutionRecord = { ...structuredClone(saved), done: Promise.resolve() };
      this.executions.set(exec.arn, exec);
      const machine = this.machines.get(exec.stateMachineArn);
      if (exec.status !== 'RUNNING') continue;
      if (machine === undefined) {
        exec.status = 'FAILED';
        exec.stopDate = this.now();
        exec.error = 'States.Runtime';
        exec.cause = 'The state machine no longer exists.';
        continue;
      }
      exec.history = [];
      this.held.push(exec.arn);
    }
    if (opts.resume !== false) this.resumeRestored();
  }

  /** Starts the executions a restore() held back (no-op when there are none). */
  resumeRestored(): void {
    for (const arn of this.held.splice(0)) {
      const exec = this.executions.get(arn);
      const machine = exec !== undefined ? this.machines.get(exec.stateMachineArn) : undefined;
      if (exec !== undefined && machine !== undefined && exec.status === 'RUNNING') this.launch(exec, machine);
    }
  }

  // ---- running ---------------------------------------------------------------------------------

  private launch(exec: ExecutionRecord, machine: MachineRecord): void {
    const scaler = this.retryIntervalScale === 1 ? undefined : new RetryScaler(machine.states, this.retryIntervalScale);
    const run = new Run(exec, machine, scaler, this.now);
    let release!: () => void;
    exec.done = new Promise((resolve) => (release = resolve));
    // Started on the next turn, so the caller has its answer before any Task runs.
    setImmediate(() => {
      this.execute(run)
        .catch((error: unknown) => {
          // A bug here must not leave the execution RUNNING forever.
          this.finish(run, { status: 'FAILED', error: 'States.Runtime', cause: error instanceof Error ? error.message : String(error) });
        })
        .finally(release);
    });
  }

  private async execute(run: Run): Promise<void> {
    const { exec, machine } = run;
    if (exec.status !== 'RUNNING') return;
    const handlers: TaskHandlers = {};
    for (const [name, state] of machine.states) {
      if (state.Type === 'Task') handlers[name] = ((input: unknown) => this.runTask(run, name, state, input)) as never;
    }
    const { result, eventLogs, abort } = machine.interpreter.run(JSON.parse(exec.input) as never, {
      context: {
        Execution: { Id: exec.arn, Name: exec.name, RoleArn: exec.roleArn, StartTime: new Date(exec.startDate).toISOString(), RedriveCount: 0 },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
      overrides: {
        taskResourceLocalHandlers: handlers,
        ...(run.scaler !== undefined ? { retryIntervalOverrides: run.scaler.overrides } : {}),
      },
    });
    exec.abort = () => {
      // Stopped: the history ends with ExecutionAborted, whatever the interpreter still reports.
      run.push('ExecutionAborted', { executionAbortedEventDetails: { ...(exec.error !== undefined ? { error: exec.error } : {}), ...(exec.cause !== undefined ? { cause: exec.cause } : {}) } });
      run.finished = true;
      abort();
    };
    const recorded = (async () => {
      for await (const event of eventLogs) this.record(run, event);
    })();
    let outcome: Parameters<LocalStepFunctions['finish']>[1];
    try {
      outcome = { status: 'SUCCEEDED', output: json(await result) };
    } catch (error) {
      outcome =
        error instanceof ExecutionAbortedError
          ? { status: 'ABORTED' }
          : error instanceof ExecutionTimeoutError
            ? { status: 'TIMED_OUT', error: 'States.Timeout' }
            : { status: 'FAILED' };
    }
    await recorded;
    if (outcome.status === 'FAILED') {
      const failed = exec.history.findLast((event) => event.type === 'ExecutionFailed')?.executionFailedEventDetails;
      outcome = { status: 'FAILED', ...(failed?.error !== undefined ? { error: failed.error } : {}), ...(failed?.cause !== undefined ? { cause: failed.cause } : {}) };
    }
    this.finish(run, outcome);
  }

  private finish(run: Run, outcome: { status: ExecutionStatus; output?: string; error?: string; cause?: string }): void {
    const { exec } = run;
    run.finished = true;
    if (exec.status !== 'RUNNING') return; // stopped meanwhile
    exec.status = outcome.status;
    exec.stopDate = this.now();
    if (outcome.output !== undefined) exec.output = outcome.output;
    if (outcome.error !== undefined) exec.error = outcome.error;
    if (outcome.cause !== undefined) exec.cause = outcome.cause;
  }

  /** One Task attempt: Lambda invoked with a session of the state machine's role, as in AWS. */
  private async runTask(run: Run, stateName: string, state: StateDefinition, input: unknown): Promise<unknown> {
    const attempt = run.nextAttempt(stateName);
    const resource = String(state.Resource);
    let over = false;
    const event = (type: HistoryEventType, details: EventDetails = {}): void => {
      if (!over) run.taskEvent(stateName, attempt, type, details);
    };
    const timeoutMs = taskTimeoutMs(state, input);
    event('LambdaFunctionScheduled', {
      lambdaFunctionScheduledEventDetails: {
        resource,
        input: json(input),
        inputDetails: { truncated: false },
        ...(typeof state.TimeoutSeconds === 'number' ? { timeoutInSeconds: state.TimeoutSeconds } : {}),
      },
    });
    // Armed before the interpreter arms its own timer of the same length, so it fires first and
    // the history and retry scaling see the timeout before the interpreter acts on it.
    const timer =
      timeoutMs !== undefined
        ? setTimeout(() => {
            event('LambdaFunctionTimedOut', { lambdaFunctionTimedOutEventDetails: { error: 'States.Timeout' } });
            over = true;
            run.scaler?.failed(stateName, 'States.Timeout', true);
          }, timeoutMs)
        : undefined;
    const fail = (error: Error, type: 'LambdaFunctionStartFailed' | 'LambdaFunctionFailed'): Error => {
      const details = { error: error.name, cause: error.message };
      event(type, type === 'LambdaFunctionStartFailed' ? { lambdaFunctionStartFailedEventDetails: details } : { lambdaFunctionFailedEventDetails: details });
      if (!over) run.scaler?.failed(stateName, error.name, false);
      over = true;
      return error;
    };
    try {
      let caller: CallerIdentity;
      try {
        caller = this.options.roleSession(run.exec.roleArn);
        this.options.authorize(caller, 'lambda:InvokeFunction', resource);
      } catch (error) {
        throw fail(error instanceof AwsServiceError ? lambdaServiceError(error) : asError(error), 'LambdaFunctionStartFailed');
      }
      event('LambdaFunctionStarted');
      let output: unknown;
      try {
        output = await this.options.invokeLambda(resource, input, caller);
      } catch (error) {
        throw fail(error instanceof AwsServiceError ? lambdaServiceError(error) : asError(error), 'LambdaFunctionFailed');
      }
      event('LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: json(output), outputDetails: { truncated: false } } });
      if (!over) run.scaler?.succeeded(stateName);
      over = true;
      return output === undefined ? null : output;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The interpreter's event log, in the shape of the AWS execution history. */
  private record(run: Run, event: InterpreterEvent): void {
    const { exec } = run;
    switch (event.type) {
      case 'ExecutionStarted':
        run.push('ExecutionStarted', { executionStartedEventDetails: { input: exec.input, inputDetails: { truncated: false }, roleArn: exec.roleArn } });
        break;
      case 'StateEntered':
        run.lastEntered = { name: event.state.name, type: event.state.type };
        run.push(`${event.state.type}StateEntered` as HistoryEventType, {
          stateEnteredEventDetails: { name: event.state.name, input: json(event.state.input), inputDetails: { truncated: false } },
        });
        if (event.state.type === 'Task') run.taskEntered(event.state.name);
        break;
      case 'StateRetried':
        // The retry shows as the attempt's next LambdaFunctionScheduled, as in the console.
        if (event.state.type === 'Task') run.taskEntered(event.state.name);
        break;
      case 'StateExited':
        run.push(`${event.state.type}StateExited` as HistoryEventType, {
          stateExitedEventDetails: { name: event.state.name, output: json(event.state.output), outputDetails: { truncated: false } },
        });
        break;
      case 'ExecutionSucceeded':
        run.push('ExecutionSucceeded', { executionSucceededEventDetails: { output: json(event.output), outputDetails: { truncated: false } } });
        break;
      case 'ExecutionFailed': {
        const { error, cause } = this.failureOf(run, event.Error, event.Cause);
        run.push('ExecutionFailed', { executionFailedEventDetails: { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) } });
        break;
      }
      case 'ExecutionTimeout':
        run.push('ExecutionTimedOut', { executionTimedOutEventDetails: { error: 'States.Timeout', cause: 'The execution timed out.' } });
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails` as 'mapIterationStartedEventDetails';
        run.push(event.type, { [key]: { name: event.parentState.name, index: event.index } });
        break;
      }
      default:
        // StateFailed/StateCaught show through the Lambda events; ExecutionAborted is written by stop.
        break;
    }
  }

  /** A Fail state reports only the Error/Cause it declares; other failures carry the error's own. */
  private failureOf(run: Run, error: string, cause: unknown): { error?: string; cause?: string } {
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

  // ---- JSON API --------------------------------------------------------------------------------

  async handle(req: AwsRequest): Promise<AwsResponse> {
    try {
      return jsonResponse(this.dispatch(req));
    } catch (error) {
      return jsonError(asAwsError(error));
    }
  }

  private dispatch(req: AwsRequest): unknown {
    const p = req.params;
    const authorize = (action: string, resource: string): void => this.options.authorize(req.caller, action, resource);
    const str = (key: string): string => {
      const value = p[key];
      if (typeof value !== 'string' || value === '') throw sfnError('ValidationException', `1 validation error detected: Value null at '${key}' failed to satisfy constraint: Member must not be null`);
      return value;
    };
    const optional = (key: string): string | undefined => (typeof p[key] === 'string' ? (p[key] as string) : undefined);
    switch (req.action) {
      case 'StartExecution': {
        const arn = str('stateMachineArn');
        this.parseStateMachineArn(arn);
        authorize('states:StartExecution', arn);
        const name = optional('name');
        const input = optional('input');
        const started = this.startExecution(arn, { ...(name !== undefined ? { name } : {}), ...(input !== undefined ? { input } : {}) });
        return { executionArn: started.executionArn, startDate: seconds(started.startDate.getTime()) };
      }
      case 'DescribeExecution': {
        const arn = str('executionArn');
        this.parseExecutionArn(arn);
        authorize('states:DescribeExecution', arn);
        const d = this.describeExecution(arn);
        return {
          ...d,
          startDate: seconds(d.startDate.getTime()),
          stopDate: seconds(d.stopDate?.getTime()),
          inputDetails: { included: true },
          ...(d.output !== undefined ? { outputDetails: { included: true } } : {}),
        };
      }
      case 'ListExecutions': {
        const arn = str('stateMachineArn');
        this.parseStateMachineArn(arn);
        authorize('states:ListExecutions', arn);
        const statusFilter = optional('statusFilter') as ExecutionStatus | undefined;
        const after = decodeToken(p.nextToken);
        const size = pageSize(p.maxResults);
        const all = this.listExecutions(arn, statusFilter);
        const seqOf = (executionArn: string): number => this.executions.get(executionArn)?.seq ?? 0;
        const remaining = after === undefined ? all : all.filter((item) => seqOf(item.executionArn) < after);
        const page = remaining.slice(0, size);
        const last = page[page.length - 1];
        return {
          executions: page.map((item) => ({ ...item, startDate: seconds(item.startDate.getTime()), stopDate: seconds(item.stopDate?.getTime()) })),
          ...(remaining.length > size && last !== undefined ? { nextToken: encodeToken(seqOf(last.executionArn)) } : {}),
        };
      }
      case 'GetExecutionHistory': {
        const arn = str('executionArn');
        this.parseExecutionArn(arn);
        authorize('states:GetExecutionHistory', arn);
        const history = this.execution(arn).history;
        const reverse = p.reverseOrder === true;
        const after = decodeToken(p.nextToken);
        const size = pageSize(p.maxResults);
        const ordered = reverse ? [...history].reverse() : history;
        const remaining = after === undefined ? ordered : ordered.filter((event) => (reverse ? event.id < after : event.id > after));
        const page = remaining.slice(0, size);
        const last = page[page.length - 1];
        const withData = p.includeExecutionData !== false;
        return {
          events: page.map((event) => ({ ...(withData ? event : withoutData(event)), timestamp: seconds(event.timestamp) })),
          ...(remaining.length > size && last !== undefined ? { nextToken: encodeToken(last.id) } : {}),
        };
      }
      case 'StopExecution': {
        const arn = str('executionArn');
        this.parseExecutionArn(arn);
        authorize('states:StopExecution', arn);
        const error = optional('error');
        const cause = optional('cause');
        const stopped = this.stopExecution(arn, { ...(error !== undefined ? { error } : {}), ...(cause !== undefined ? { cause } : {}) });
        return { stopDate: seconds(stopped.stopDate.getTime()) };
      }
      case 'DescribeStateMachine': {
        const arn = str('stateMachineArn');
        this.parseStateMachineArn(arn);
        authorize('states:DescribeStateMachine', arn);
        const machine = this.machine(arn);
        return {
          stateMachineArn: machine.arn,
          name: machine.name,
          status: 'ACTIVE',
          definition: machine.definition,
          roleArn: machine.roleArn,
          type: 'STANDARD',
          creationDate: seconds(machine.creationDate),
        };
      }
      case 'ListStateMachines': {
        authorize('states:ListStateMachines', '*');
        const all = [...this.machines.values()].sort((a, b) => a.name.localeCompare(b.name));
        const offset = decodeToken(p.nextToken) ?? 0;
        const size = pageSize(p.maxResults);
        const page = all.slice(offset, offset + size);
        return {
          stateMachines: page.map((m) => ({ stateMachineArn: m.arn, name: m.name, type: 'STANDARD', creationDate: seconds(m.creationDate) })),
          ...(offset + size < all.length ? { nextToken: encodeToken(offset + size) } : {}),
        };
      }
      case 'CreateStateMachine': {
        const name = str('name');
        const roleArn = str('roleArn');
        authorize('states:CreateStateMachine', this.stateMachineArn(name));
        authorize('iam:PassRole', roleArn);
        const type = optional('type');
        const created = this.createStateMachine({ name, definition: str('definition'), roleArn, ...(type !== undefined ? { type: type as 'STANDARD' } : {}) });
        return { stateMachineArn: created.arn, creationDate: seconds(this.machine(created.arn).creationDate) };
      }
      case 'UpdateStateMachine': {
        const arn = str('stateMachineArn');
        this.parseStateMachineArn(arn);
        authorize('states:UpdateStateMachine', arn);
        const machine = this.machine(arn);
        const roleArn = optional('roleArn') ?? machine.roleArn;
        if (roleArn !== machine.roleArn) authorize('iam:PassRole', roleArn);
        // Running executions keep the definition they started with.
        this.machines.set(arn, this.compile(arn, machine.name, optional('definition') ?? machine.definition, roleArn, machine.creationDate));
        return { updateDate: seconds(this.now()) };
      }
      default:
        throw sfnError('UnknownOperationException', `Unknown operation ${req.action}`);
    }
  }

  // ---- lookups ---------------------------------------------------------------------------------

  private stateMachineArn(name: string): string {
    return `arn:${this.partition}:states:${this.options.region}:${this.options.accountId}:stateMachine:${name}`;
  }

  private parseStateMachineArn(arn: string): void {
    if (!/^arn:[^:]+:states:[^:]+:\d{12}:stateMachine:[^:]+$/.test(arn)) {
      throw sfnError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn.split(':')[5] ?? arn}'`);
    }
  }

  private parseExecutionArn(arn: string): void {
    if (!/^arn:[^:]+:states:[^:]+:\d{12}:execution:[^:]+:[^:]+$/.test(arn)) {
      throw sfnError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn.split(':')[5] ?? arn}'`);
    }
  }

  private machine(arn: string): MachineRecord {
    const machine = this.machines.get(arn);
    if (machine === undefined) throw sfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private execution(arn: string): ExecutionRecord {
    const exec = this.executions.get(arn);
    if (exec === undefined) throw sfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return exec;
  }

  private executionsOf(stateMachineArn: string, statusFilter?: ExecutionStatus): ExecutionRecord[] {
    return [...this.executions.values()]
      .filter((exec) => exec.stateMachineArn === stateMachineArn && (statusFilter === undefined || exec.status === statusFilter))
      .sort((a, b) => b.seq - a.seq);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** includeExecutionData=false: the event without its input and output payloads. */
function withoutData(event: StoredEvent): StoredEvent {
  const copy: Record<string, unknown> = { ...event };
  for (const [key, value] of Object.entries(copy)) {
    if (key.endsWith('EventDetails') && value !== null && typeof value === 'object') {
      const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
      copy[key] = rest;
    }
  }
  return copy as StoredEvent;
}
