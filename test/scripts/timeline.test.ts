import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { formatTable, formatTimeline } from '../../scripts/timeline.js';

const at = (seconds: number) => new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + seconds * 1000);

describe('formatTimeline', () => {
  it('shows each state with relative times, its retries and the error that ended the execution', () => {
    // Prepare
    const events: HistoryEvent[] = [
      { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
      { id: 2, type: 'TaskStateEntered', timestamp: at(0.1), stateEnteredEventDetails: { name: 'VerifyRole' } },
      { id: 3, type: 'LambdaFunctionScheduled', timestamp: at(0.2) },
      { id: 4, type: 'LambdaFunctionFailed', timestamp: at(1), lambdaFunctionFailedEventDetails: { error: 'RoleNotAssumable', cause: '{"errorMessage":"not yet"}' } },
      { id: 5, type: 'LambdaFunctionScheduled', timestamp: at(3) },
      { id: 6, type: 'LambdaFunctionSucceeded', timestamp: at(3.5) },
      { id: 7, type: 'FailStateEntered', timestamp: at(4), stateEnteredEventDetails: { name: 'Failed' } },
      { id: 8, type: 'ExecutionFailed', timestamp: at(4.25), executionFailedEventDetails: { error: 'PROPAGATION_TIMEOUT', cause: 'role stayed unassumable' } },
    ];
    // Act
    const lines = formatTimeline(events);
    // Assess
    expect(lines).toEqual([
      '   +0.000s  · execution started',
      '   +0.100s  ▶ VerifyRole',
      '   +1.000s      ✗ RoleNotAssumable: not yet',
      '   +3.000s      · retry 1',
      '   +3.500s      ✓ done',
      '   +4.000s  ▶ Failed',
      '   +4.250s  ✗ execution failed: PROPAGATION_TIMEOUT: role stayed unassumable',
    ]);
  });
});

describe('formatTable', () => {
  it('pads every column to its widest cell under a header and a rule', () => {
    // Prepare
    const rows = [
      { provider: 'payments.prod', status: 'READY' },
      { provider: 'a.b', status: 'FAILED' },
    ];
    // Act
    const lines = formatTable(rows, ['provider', 'status']);
    // Assess
    expect(lines).toEqual(['provider       status', '-------------  ------', 'payments.prod  READY', 'a.b            FAILED']);
  });
});
