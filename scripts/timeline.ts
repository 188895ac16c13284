// The console's execution history, in a terminal: one line per step, with relative times,
// retries and errors, so an operator can see where and why an onboarding stopped.
import type { HistoryEvent } from '@aws-sdk/client-sfn';

const SYMBOLS = { ok: '✓', fail: '✗', enter: '▶', info: '·' } as const;

function seconds(from: Date, to: Date): string {
  return `+${((to.getTime() - from.getTime()) / 1000).toFixed(3)}s`.padStart(10);
}

function errorOf(details: { error?: string; cause?: string } | undefined): string {
  if (!details) return '';
  let cause = details.cause ?? '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (parsed.errorMessage) cause = parsed.errorMessage;
  } catch {
    // plain-text cause
  }
  return `${details.error ?? 'Error'}${cause ? `: ${cause}` : ''}`;
}

/** One readable line per meaningful history event. */
export function formatTimeline(events: HistoryEvent[]): string[] {
  const first = events[0]?.timestamp ? new Date(events[0].timestamp) : new Date();
  const lines: string[] = [];
  let lambdaAttempts = 0;
  for (const event of events) {
    const at = seconds(first, event.timestamp ? new Date(event.timestamp) : first);
    switch (event.type) {
      case 'ExecutionStarted':
        lines.push(`${at}  ${SYMBOLS.info} execution started`);
        break;
      case 'TaskStateEntered':
      case 'PassStateEntered':
      case 'ChoiceStateEntered':
      case 'WaitStateEntered':
      case 'SucceedStateEntered':
      case 'FailStateEntered':
        lambdaAttempts = 0;
        lines.push(`${at}  ${SYMBOLS.enter} ${event.stateEnteredEventDetails?.name ?? event.type}`);
        break;
      case 'LambdaFunctionScheduled':
        lambdaAttempts += 1;
        if (lambdaAttempts > 1) lines.push(`${at}      ${SYMBOLS.info} retry ${lambdaAttempts - 1}`);
        break;
      case 'LambdaFunctionSucceeded':
        lines.push(`${at}      ${SYMBOLS.ok} done`);
        break;
      case 'LambdaFunctionFailed':
        lines.push(`${at}      ${SYMBOLS.fail} ${errorOf(event.lambdaFunctionFailedEventDetails)}`);
        break;
      case 'LambdaFunctionTimedOut':
        lines.push(`${at}      ${SYMBOLS.fail} ${errorOf(event.lambdaFunctionTimedOutEventDetails)}`);
        break;
      case 'LambdaFunctionStartFailed':
        lines.push(`${at}      ${SYMBOLS.fail} could not invoke: ${errorOf(event.lambdaFunctionStartFailedEventDetails)}`);
        break;
      case 'ExecutionSucceeded':
        lines.push(`${at}  ${SYMBOLS.ok} execution succeeded`);
        break;
      case 'ExecutionFailed':
        lines.push(`${at}  ${SYMBOLS.fail} execution failed: ${errorOf(event.executionFailedEventDetails)}`);
        break;
      case 'ExecutionAborted':
      case 'ExecutionTimedOut':
        lines.push(`${at}  ${SYMBOLS.fail} ${event.type}`);
        break;
      default:
        break;
    }
  }
  return lines;
}

/** A fixed-width table: header row, then one row per record. */
export function formatTable(rows: Record<string, string>[], columns: string[]): string[] {
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ').trimEnd();
  return [line(columns), line(widths.map((width) => '-'.repeat(width))), ...rows.map((row) => line(columns.map((c) => row[c] ?? '')))];
}
