// Step Functions state across restarts of the local cloud: a JSON-safe snapshot of state machines
// and executions, and its restore. Executions that were running start again from the start, at
// once or when resume() is called (e.g. once the functions they call exist again).
import { compileStateMachine, type ExecutionRecord, type StepFunctionsModel } from './model.js';
import { persistedExecution, persistedMachine, type PersistedExecution, type StepFunctionsSnapshot } from './records.js';

export class StepFunctionsPersistence {
  /** Restored running executions not restarted yet. */
  private readonly held: string[] = [];

  constructor(private readonly model: StepFunctionsModel) {}

  snapshot(): StepFunctionsSnapshot {
    const { seq, machines, executions } = this.model.records();
    return structuredClone({ version: 1, seq, stateMachines: machines.map(persistedMachine), executions: executions.map(persistedExecution) });
  }

  /** Replaces all state with a snapshot; with `resume: false` running executions wait for resume(). */
  restore(state: unknown, opts: { resume?: boolean } = {}): void {
    const snapshot = state as StepFunctionsSnapshot;
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
  private restored(saved: PersistedExecution, knownMachines: Set<string>): ExecutionRecord {
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
