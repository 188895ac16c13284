// The Step Functions model: state machines and their executions (records, histories, lookups)
// with AWS's names, ARNs, validation and idempotency rules. No wire format (api.ts) and no
// running (executor.ts): a started execution is handed to the injected launcher.
import { randomUUID } from 'node:crypto';
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { ChangeLog } from '../core/changes.js';
import { assertStateMachineArn, compileStateMachine, sfnError, type MachineRecord } from './machines.js';
import { appendEvent, abortedEventDetails, type ExecutionRecord } from './executions.js';
import { TaskTokens } from './task-tokens.js';
import { persistedExecution, persistedMachine, recordKeys } from './records.js';
import type { MapRunRecord } from './map-runs.js';

export {
  abortedEventDetails,
  appendEvent,
  describeExecutionRecord,
  listItemOf,
  type EventDetails,
  type ExecutionDescription,
  type ExecutionListItem,
  type ExecutionRecord,
  type StoredEvent,
} from './executions.js';
export {
  assertExecutionArn,
  assertMapRunArn,
  assertStateMachineArn,
  compileStateMachine,
  sfnError,
  type MachineRecord,
} from './machines.js';

export interface StateMachineInput {
  name: string;
  /** ASL JSON, with substitutions already resolved. */
  definition: string;
  roleArn: string;
  type?: 'STANDARD';
}

/** Runs an execution (the executor); the model only decides when one starts. */
export interface ExecutionLauncher {
  launch(exec: ExecutionRecord, machine: MachineRecord): void;
}

export interface StepFunctionsModelOptions {
  accountId: string;
  region: string;
  partition: string;
  now: () => number;
  launcher: ExecutionLauncher;
  /** Tokens of states waiting for a callback (SendTaskSuccess / SendTaskFailure). */
  tokens?: TaskTokens;
  /** Told when an execution starts and when it is stopped (the executor tells other ends). */
  onStatusChange?: (exec: ExecutionRecord) => void;
  /** Where changed state machines and executions are recorded for persistence. */
  changes?: ChangeLog;
}

const NAME = /^[A-Za-z0-9_-]{1,80}$/;

function parseExecutionInput(input: string): void {
  try {
    JSON.parse(input);
  } catch (error) {
    throw sfnError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${error instanceof Error ? error.message : String(error)}'`);
  }
}

export class StepFunctionsModel {
  private readonly machines = new Map<string, MachineRecord>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly mapRuns = new Map<string, MapRunRecord>();
  private seq = 0;
  private readonly changes: ChangeLog;
  readonly tokens: TaskTokens;

  constructor(private readonly options: StepFunctionsModelOptions) {
    this.changes = options.changes ?? new ChangeLog();
    this.tokens = options.tokens ?? new TaskTokens();
  }

  now(): number {
    return this.options.now();
  }

  // ---- state machines --------------------------------------------------------------------------

  stateMachineArn(name: string): string {
    return `arn:${this.options.partition}:states:${this.options.region}:${this.options.accountId}:stateMachine:${name}`;
  }

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
    this.setMachine(compileStateMachine(arn, input.name, input.definition, input.roleArn, this.now()));
    return { arn };
  }

  /** Running executions keep the definition they started with. */
  updateStateMachine(arn: string, update: { definition: string; roleArn: string }): { updateDate: number } {
    const machine = this.machine(arn);
    this.setMachine(compileStateMachine(arn, machine.name, update.definition, update.roleArn, machine.creationDate));
    return { updateDate: this.now() };
  }

  private setMachine(machine: MachineRecord): void {
    this.machines.set(machine.arn, machine);
    this.changes.put(recordKeys.machine(machine.arn), () => persistedMachine(machine));
  }

  machine(arn: string): MachineRecord {
    const machine = this.machines.get(arn);
    if (machine === undefined) throw sfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  /** By name, as ListStateMachines answers. */
  stateMachines(): MachineRecord[] {
    return [...this.machines.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  // ---- executions ------------------------------------------------------------------------------

  startExecution(stateMachineArn: string, params: { name?: string; input?: string } = {}): { executionArn: string; startDate: Date } {
    assertStateMachineArn(stateMachineArn);
    const machine = this.machine(stateMachineArn);
    const name = params.name ?? randomUUID();
    if (!NAME.test(name)) throw sfnError('InvalidName', `Invalid Name: '${name}'`);
    const input = params.input ?? '{}';
    parseExecutionInput(input);
    const executionArn = `arn:${this.options.partition}:states:${this.options.region}:${this.options.accountId}:execution:${machine.name}:${name}`;
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
    this.executionChanged(exec);
    this.options.onStatusChange?.(exec);
    this.launch(exec, machine);
    return { executionArn, startDate: new Date(exec.startDate) };
  }

  execution(arn: string): ExecutionRecord {
    const exec = this.executions.get(arn);
    if (exec === undefined) throw sfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return exec;
  }

  /** A state machine's executions, newest first, as ListExecutions answers. */
  executionsOf(stateMachineArn: string, statusFilter?: ExecutionStatus): ExecutionRecord[] {
    if (!this.machines.has(stateMachineArn)) throw sfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    return [...this.executions.values()]
      .filter((exec) => exec.stateMachineArn === stateMachineArn && (statusFilter === undefined || exec.status === statusFilter))
      .sort((a, b) => b.seq - a.seq);
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
        appendEvent(exec.history, exec.stopDate, 'ExecutionAborted', abortedEventDetails(exec));
      }
      this.executionChanged(exec);
      this.options.onStatusChange?.(exec);
    }
    return { stopDate: new Date(exec.stopDate ?? this.now()) };
  }

  // ---- Map Runs of Distributed Map states ------------------------------------------------------

  /**
   * `arn:…:<kind>:<state machine>/<label>:<name>`, AWS's form for a Map Run and its child executions;
   * `processorName` is the child state machine's name, `<state machine>/<label>`.
   */
  private mapRunResourceArn(kind: 'mapRun' | 'execution', processorName: string, name: string): string {
    return `arn:${this.options.partition}:states:${this.options.region}:${this.options.accountId}:${kind}:${processorName}:${name}`;
  }

  /** The ARN and identity of the item processor of a Distributed Map state labelled `label`. */
  processorIdentity(parent: MachineRecord, label: string): { arn: string; name: string } {
    return { arn: `${parent.arn}/${label}`, name: `${parent.name}/${label}` };
  }

  startMapRun(processor: MachineRecord, run: Omit<MapRunRecord, 'arn' | 'stateMachineArn' | 'seq' | 'status' | 'startDate'>): MapRunRecord {
    const record: MapRunRecord = {
      ...run,
      arn: this.mapRunResourceArn('mapRun', processor.name, randomUUID()),
      stateMachineArn: processor.arn,
      status: 'RUNNING',
      startDate: this.now(),
      seq: ++this.seq,
    };
    this.mapRuns.set(record.arn, record);
    this.mapRunChanged(record);
    return record;
  }

  mapRunChanged(run: MapRunRecord): void {
    this.changes.put(recordKeys.mapRun(run.arn), () => structuredClone(run));
  }

  mapRun(arn: string): MapRunRecord {
    const run = this.mapRuns.get(arn);
    if (run === undefined) throw sfnError('ResourceNotFound', `Resource not found: '${arn}'`);
    return run;
  }

  /** The Map Runs an execution started, oldest first. */
  mapRunsOf(executionArn: string): MapRunRecord[] {
    this.execution(executionArn);
    return [...this.mapRuns.values()].filter((run) => run.executionArn === executionArn).sort((a, b) => a.seq - b.seq);
  }

  /** A Map Run's child executions, newest first, as ListExecutions with mapRunArn answers. */
  executionsOfMapRun(mapRunArn: string, statusFilter?: ExecutionStatus): ExecutionRecord[] {
    this.mapRun(mapRunArn);
    return [...this.executions.values()]
      .filter((exec) => exec.mapRunArn === mapRunArn && (statusFilter === undefined || exec.status === statusFilter))
      .sort((a, b) => b.seq - a.seq);
  }

  /** Starts a child execution of a Map Run, running `machine` (the Map state's item processor). */
  startChildExecution(mapRun: MapRunRecord, machine: MachineRecord, input: string, itemCount: number): ExecutionRecord {
    const name = randomUUID();
    const arn = this.mapRunResourceArn('execution', machine.name, name);
    const exec: ExecutionRecord = {
      arn,
      name,
      stateMachineArn: machine.arn,
      stateMachineName: machine.name,
      roleArn: machine.roleArn,
      input,
      status: 'RUNNING',
      startDate: this.now(),
      seq: ++this.seq,
      mapRunArn: mapRun.arn,
      itemCount,
      history: [],
      done: Promise.resolve(),
    };
    this.executions.set(arn, exec);
    this.executionChanged(exec);
    this.options.onStatusChange?.(exec);
    this.launch(exec, machine);
    return exec;
  }

  // ---- whole state (persistence) ---------------------------------------------------------------

  records(): { seq: number; machines: MachineRecord[]; executions: ExecutionRecord[]; mapRuns: MapRunRecord[] } {
    return { seq: this.seq, machines: [...this.machines.values()], executions: [...this.executions.values()], mapRuns: [...this.mapRuns.values()] };
  }

  /** Replaces all state; executions still running in the old state are stopped first. */
  replace(seq: number, machines: MachineRecord[], executions: ExecutionRecord[], mapRuns: MapRunRecord[] = []): void {
    for (const exec of this.executions.values()) exec.abort?.();
    this.machines.clear();
    this.executions.clear();
    this.mapRuns.clear();
    this.seq = seq;
    for (const machine of machines) this.machines.set(machine.arn, machine);
    for (const exec of executions) this.executions.set(exec.arn, exec);
    for (const run of mapRuns) this.mapRuns.set(run.arn, run);
  }

  /** Runs a RUNNING execution again from its start (no-op when it has ended or lost its machine). */
  relaunch(executionArn: string): void {
    const exec = this.executions.get(executionArn);
    const machine = exec !== undefined ? this.machines.get(exec.stateMachineArn) : undefined;
    if (exec !== undefined && machine !== undefined && exec.status === 'RUNNING') this.launch(exec, machine);
  }

  private launch(exec: ExecutionRecord, machine: MachineRecord): void {
    this.options.launcher.launch(exec, machine);
    // Once it has ended, the execution is written again with its outcome and history.
    void exec.done.then(() => this.executionChanged(exec));
  }

  private executionChanged(exec: ExecutionRecord): void {
    this.changes.put(recordKeys.execution(exec.arn), () => persistedExecution(exec));
  }
}
