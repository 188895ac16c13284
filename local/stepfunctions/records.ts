// Step Functions state as persisted records, one per state machine and per execution. A running
// execution is written without its history (it starts again from the start after a restart), an
// ended one once, with its outcome and history.
import type { RecordChange } from '../core/changes.js';
import type { ExecutionRecord, MachineRecord } from './model.js';

/** A state machine as persisted: its definition, not its compiled interpreter. */
export type PersistedMachine = Omit<MachineRecord, 'interpreter' | 'states'>;
/** An execution as persisted: its record, not the handles of its run. */
export type PersistedExecution = Omit<ExecutionRecord, 'done' | 'abort'>;

export interface StepFunctionsSnapshot {
  version: 1;
  seq: number;
  stateMachines: PersistedMachine[];
  executions: PersistedExecution[];
}

export const recordKeys = {
  machine: (arn: string) => `machine/${arn}`,
  execution: (arn: string) => `execution/${arn}`,
};

export function persistedMachine({ arn, name, definition, roleArn, creationDate }: MachineRecord): PersistedMachine {
  return { arn, name, definition, roleArn, creationDate };
}

export function persistedExecution({ done: _done, abort: _abort, ...exec }: ExecutionRecord): PersistedExecution {
  // A running execution restarts from the start on restore, with a fresh history.
  return { ...exec, history: exec.status === 'RUNNING' ? [] : exec.history };
}

export function stepFunctionsRecords(snapshot: StepFunctionsSnapshot): RecordChange[] {
  return [
    ...snapshot.stateMachines.map((machine): RecordChange => [recordKeys.machine(machine.arn), machine]),
    ...snapshot.executions.map((exec): RecordChange => [recordKeys.execution(exec.arn), exec]),
  ];
}

/** The snapshot that records describe; the start counter continues after the newest execution. */
export function stepFunctionsStateOf(records: ReadonlyMap<string, unknown>): StepFunctionsSnapshot {
  const snapshot: StepFunctionsSnapshot = { version: 1, seq: 0, stateMachines: [], executions: [] };
  for (const [key, value] of records) {
    const kind = key.split('/', 1)[0];
    if (kind === 'machine') snapshot.stateMachines.push(value as PersistedMachine);
    else if (kind === 'execution') snapshot.executions.push(value as PersistedExecution);
  }
  snapshot.seq = Math.max(0, ...snapshot.executions.map((exec) => exec.seq));
  return snapshot;
}
