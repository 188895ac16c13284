// Step Functions state across restarts of the local cloud: a JSON-safe snapshot of state machines
// and executions, and its restore. Executions that were running start again from the start, at
// once or when resume() is called (e.g. once the functions they call exist again).
import { compileStateMachine, type ExecutionRecord, type MachineRecord, type StepFunctionsModel } from './model.js';

type ExecutionSnapshot = Omit<ExecutionRecord, 'done' | 'abort'>;

interface Snapshot {
  version: 1;
  seq: number;
  stateMachines: Array<Omit<MachineRecord, 'interpreter' | 'states'>>;
  executions: ExecutionSnapshot[];
}

export class StepFunctionsPersistence {
  /** Restored running executions not restarted yet. */
  private readonly held: string[] = [];

  constructor(private readonly model: StepFunctionsModel) {}

  snapshot(): unknown {
    const { seq, machines, executions } = this.model.records();
    const snapshot: Snapshot = {
      version: 1,
      seq,
      stateMachines: machines.map(({ arn, name, definition, roleArn, creationDate }) => ({ arn, name, definition, roleArn, creationDate })),
      executions: executions.map(({ done: _done, abort: _abort, ...exec }) => ({
        ...exec,
        // A running execution restarts from the start on restore, with a fresh history.
        history: exec.status === 'RUNNING' ? [] : exec.history,
      })),
    };
    return structuredClone(snapshot);
  }

  /** Replaces all state with a snapshot; with `resume: false` running executions wait for resume(). */
  restore(state: unknown, opts: { resume?: boolean } = {}): void {
    const snapshot = state as Snapshot;
    if (snapshot?.version !== 1) throw new Error('unknown Step Functions snapshot version');
    const machines = snapshot.stateMachines.map((machine) =>
      compileStateMachine(machine.arn, machine.name, machine.definition, machine.roleArn, machine.creationDate),
    );
    const known = new Set(machines.map((machine) => machine.arn));
    const executions = snapshot.executions.map((saved) => this.restored(saved, known));
    this.model.replace(snapshot.seq, machines, executions);
    this.held.splice(0, this.held.length, ...executions.filter((exec) => exec.status === 'RUNNING').map((exec) => exec.arn));
    if (opts.resume !== false) this.resume();
  }

  /** Starts the executions a restore() held back (no-op when there are none). */
  resume(): void {
    for (const arn of this.held.splice(0)) this.model.relaunch(arn);
  }

  /** A saved execution; one that was running lost its progress, and fails if its state machine is gone. */
  private restored(saved: ExecutionSnapshot, knownMachines: Set<string>): ExecutionRecord {
    const exec: ExecutionRecord = { ...structuredClone(saved), done: Promise.resolve() };
    if (exec.status !== 'RUNNING') return exec;
    if (!knownMachines.has(exec.stateMachineArn)) {
      exec.status = 'FAILED';
      exec.stopDate = this.model.now();
      exec.error = 'States.Runtime';
      exec.cause = 'The state machine no longer exists.';
      return exec;
    }
    exec.history = [];
    return exec;
  }
}
