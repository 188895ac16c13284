// Step Functions state across restarts of the local cloud: a JSON-safe snapshot of state machines,
// executions and Map Runs, and its restore. Executions that were running start again from the
// start, at once or when resume() is called (e.g. once the functions they call exist again). A Map
// Run a restart interrupted is over: it and its running children end ABORTED, and its parent,
// starting again, starts a new Map Run.
import type { MapRunRecord } from './map-runs.js';
import { appendEvent, compileStateMachine, type ExecutionRecord, type StepFunctionsModel } from './model.js';
import { persistedExecution, persistedMachine, type PersistedExecution, type StepFunctionsSnapshot } from './records.js';

export class StepFunctionsPersistence {
  /** Restored running executions not restarted yet. */
  private readonly held: string[] = [];

  constructor(private readonly model: StepFunctionsModel) {}

  snapshot(): StepFunctionsSnapshot {
    const { seq, machines, executions, mapRuns } = this.model.records();
    return structuredClone({ version: 1, seq, stateMachines: machines.map(persistedMachine), executions: executions.map(persistedExecution), mapRuns });
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
    const mapRuns = (snapshot.mapRuns ?? []).map((saved) => this.restoredMapRun(saved));
    this.model.replace(snapshot.seq, machines, executions, mapRuns);
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
    if (exec.mapRunArn !== undefined) {
      // A child's Map Run does not survive a restart: the child ends with it.
      exec.status = 'ABORTED';
      exec.stopDate = this.model.now();
      exec.cause = INTERRUPTED;
      appendEvent(exec.history, exec.stopDate, 'ExecutionAborted', { executionAbortedEventDetails: { cause: INTERRUPTED } });
      return exec;
    }
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

  /** A Map Run that was running when the cloud stopped ends ABORTED, its running items counted aborted. */
  private restoredMapRun(saved: MapRunRecord): MapRunRecord {
    const run = structuredClone(saved);
    if (run.status !== 'RUNNING') return run;
    run.status = 'ABORTED';
    run.stopDate = this.model.now();
    for (const counts of [run.itemCounts, run.executionCounts]) {
      counts.aborted += counts.running;
      counts.running = 0;
    }
    return run;
  }
}

const INTERRUPTED = 'The local cloud stopped while the Map Run of this child execution was running.';
