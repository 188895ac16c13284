// Step Functions state as persisted records, one per state machine, per execution and per Map Run.
// A running execution is written without its history (it starts again from the start after a
// restart), an ended one once, with its outcome and history.
import type { RecordChange } from '../core/changes.js';
import type { MapRunRecord } from './map-runs.js';
import type { ExecutionRecord, MachineRecord } from './model.js';

/** A state machine as persisted: its definition, not its compiled interpreter. */
export type PersistedMachine = Omit<MachineRecord, 'interpreter' | 'states' | 'distributedMaps'>;
/** An execution as persisted: its record, not the handles of its run. */
export type PersistedExecution = Omit<ExecutionRecord, 'done' | 'abort'>;

export interface StepFunctionsSnapshot {
  version: 1;
  seq: number;
  stateMachines: PersistedMachine[];
  executions: PersistedExecution[];
  /** Absent in snapshots written before Distributed Map support. */
  mapRuns?: MapRunRecord[];
}

export const recordKeys = {
  machine: (arn: string) => `machine/${arn}`,
  execution: (arn: string) => `execution/${arn}`,
  mapRun: (arn: string) => `mapRun/${arn}`,
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
    ...(snapshot.mapRuns ?? []).map((run): RecordChange => [recordKeys.mapRun(run.arn), run]),
  ];
}

/** The snapshot that records describe; the start counter continues after the newest execution. */
export function stepFunctionsStateOf(records: ReadonlyMap<string, unknown>): StepFunctionsSnapshot {
  const snapshot: StepFunctionsSnapshot = { version: 1, seq: 0, stateMachines: [], executions: [], mapRuns: [] };
  for (const [key, value] of records) {
    const kind = key.split('/', 1)[0];
    if (kind === 'machine') snapshot.stateMachines.push(value as PersistedMachine);
    else if (kind === 'execution') snapshot.executions.push(value as PersistedExecution);
    else if (kind === 'mapRun') snapshot.mapRuns?.push(value as MapRunRecord);
  }
  snapshot.seq = Math.max(0, ...snapshot.executions.map((exec) => exec.seq), ...(snapshot.mapRuns ?? []).map((run) => run.seq));
  return snapshot;
}
