// An execution as the local Step Functions keeps it (record, stored history events) and as the API
// shows it (DescribeExecution, ListExecutions items), with the history's event linking.
import type { ExecutionStatus, HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';

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
  /** A Distributed Map's child execution: the Map Run that started it. */
  mapRunArn?: string;
}

/** ListExecutions' items: the description without input, output and failure (a child's item count added). */
export type ExecutionListItem = Pick<ExecutionDescription, 'executionArn' | 'stateMachineArn' | 'name' | 'status' | 'startDate' | 'stopDate' | 'mapRunArn'> & {
  itemCount?: number;
};

/** A history event as stored: the SDK's HistoryEvent with the timestamp in epoch ms. */
export type StoredEvent = Omit<HistoryEvent, 'timestamp' | 'id'> & { timestamp: number; id: number };
/** The *EventDetails part of a history event. */
export type EventDetails = Omit<HistoryEvent, 'timestamp' | 'id' | 'previousEventId' | 'type'>;

export interface ExecutionRecord {
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
  /** A Distributed Map's child execution: its Map Run, and how many items it processes. */
  mapRunArn?: string;
  itemCount?: number;
  history: StoredEvent[];
  /** Resolves once the execution has ended and its history is complete. */
  done: Promise<void>;
  abort?: () => void;
}

/** Appends an event to a history, linked to the one before it. */
export function appendEvent(history: StoredEvent[], timestamp: number, type: HistoryEventType, details: EventDetails = {}): void {
  const id = history.length + 1;
  history.push({ id, previousEventId: id - 1, timestamp, type, ...details });
}

/** The details of an execution's ExecutionAborted event: the error and cause StopExecution gave. */
export function abortedEventDetails(exec: ExecutionRecord): EventDetails {
  return { executionAbortedEventDetails: { ...(exec.error !== undefined ? { error: exec.error } : {}), ...(exec.cause !== undefined ? { cause: exec.cause } : {}) } };
}

export function describeExecutionRecord(exec: ExecutionRecord): ExecutionDescription {
  const { itemCount: _itemCount, ...item } = listItemOf(exec);
  return {
    ...item,
    input: exec.input,
    ...(exec.output !== undefined ? { output: exec.output } : {}),
    ...(exec.error !== undefined ? { error: exec.error } : {}),
    ...(exec.cause !== undefined ? { cause: exec.cause } : {}),
  };
}

export function listItemOf(exec: ExecutionRecord): ExecutionListItem {
  return {
    executionArn: exec.arn,
    stateMachineArn: exec.stateMachineArn,
    name: exec.name,
    status: exec.status,
    startDate: new Date(exec.startDate),
    ...(exec.stopDate !== undefined ? { stopDate: new Date(exec.stopDate) } : {}),
    ...(exec.mapRunArn !== undefined ? { mapRunArn: exec.mapRunArn, itemCount: exec.itemCount ?? 1 } : {}),
  };
}
