// Map Runs: what a Distributed Map state started for one entry of the state (its child executions,
// their counts, its runtime settings), as ListMapRuns / DescribeMapRun answer them. Pure records and
// their bookkeeping; running the children is distributed-map.ts.
import type { ExecutionStatus } from '@aws-sdk/client-sfn';

export type MapRunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/** DescribeMapRun's itemCounts / executionCounts. */
export interface MapRunCounts {
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  aborted: number;
  total: number;
  resultsWritten: number;
  failuresNotRedrivable: number;
  pendingRedrive: number;
}

export interface MapRunRecord {
  arn: string;
  /** The parent execution, which started the Map Run. */
  executionArn: string;
  /** The child executions' state machine: `<parent state machine ARN>/<label>`. */
  stateMachineArn: string;
  status: MapRunStatus;
  startDate: number;
  stopDate?: number;
  /** 0: as many as Step Functions allows (10,000). */
  maxConcurrency: number;
  /** As the state gives them (absent: not given; DescribeMapRun answers 0). */
  toleratedFailureCount?: number;
  toleratedFailurePercentage?: number;
  itemCounts: MapRunCounts;
  executionCounts: MapRunCounts;
  /** Order of starts, for listing and page tokens. */
  seq: number;
}

export function emptyCounts(total: number): MapRunCounts {
  return { pending: total, running: 0, succeeded: 0, failed: 0, timedOut: 0, aborted: 0, total, resultsWritten: 0, failuresNotRedrivable: 0, pendingRedrive: 0 };
}

const ENDED_COUNT: Partial<Record<ExecutionStatus, keyof MapRunCounts>> = {
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  TIMED_OUT: 'timedOut',
  ABORTED: 'aborted',
};

/** A child execution with `items` items started: pending → running. */
export function childStarted(run: MapRunRecord, items: number): void {
  for (const [counts, n] of [[run.itemCounts, items], [run.executionCounts, 1]] as const) {
    counts.pending -= n;
    counts.running += n;
  }
}

/** A child execution with `items` items ended with `status`: running → that status's count. */
export function childEnded(run: MapRunRecord, items: number, status: ExecutionStatus): void {
  const key = ENDED_COUNT[status];
  if (key === undefined) return;
  for (const [counts, n] of [[run.itemCounts, items], [run.executionCounts, 1]] as const) {
    counts.running -= n;
    counts[key] += n;
  }
}

/** Failed items in the sense of the tolerated failure threshold: failed, timed out or aborted. */
function failedItems(run: MapRunRecord): number {
  return run.itemCounts.failed + run.itemCounts.timedOut + run.itemCounts.aborted;
}

/**
 * Whether the failed items exceed the tolerated failure threshold: ToleratedFailureCount or
 * ToleratedFailurePercentage, whichever is exceeded first when both are given; with neither, any failure.
 */
export function exceedsToleratedFailures(run: MapRunRecord): boolean {
  const failed = failedItems(run);
  const { toleratedFailureCount: count, toleratedFailurePercentage: percentage } = run;
  if (count === undefined && percentage === undefined) return failed > 0;
  const overCount = count !== undefined && failed > count;
  const overPercentage = percentage !== undefined && run.itemCounts.total > 0 && (failed / run.itemCounts.total) * 100 > percentage;
  return overCount || overPercentage;
}
