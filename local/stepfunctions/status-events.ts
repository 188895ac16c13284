// Step Functions' "Execution Status Change" events: for Standard workflows AWS puts one on the
// account's default bus when an execution starts (RUNNING) and when it ends (SUCCEEDED, FAILED,
// TIMED_OUT, ABORTED), with the execution's description as its detail.
import type { ExecutionRecord } from './model.js';

/** EventBridge's quota: past it, Step Functions leaves the input (or the output) out of the event. */
const PAYLOAD_LIMIT_BYTES = 248 * 1024;

export interface ExecutionStatusChangeEvent {
  source: 'aws.states';
  'detail-type': 'Step Functions Execution Status Change';
  account: string;
  region: string;
  time: string;
  resources: string[];
  detail: Record<string, unknown>;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The event for the execution's current status; timestamps in epoch milliseconds, as AWS sends them. */
export function executionStatusChangeEvent(exec: ExecutionRecord, where: { accountId: string; region: string }): ExecutionStatusChangeEvent {
  const outputIncluded = exec.output === undefined || Buffer.byteLength(exec.output) <= PAYLOAD_LIMIT_BYTES;
  const inputIncluded = Buffer.byteLength(exec.input) + (outputIncluded ? Buffer.byteLength(exec.output ?? '') : 0) <= PAYLOAD_LIMIT_BYTES;
  return {
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    account: where.accountId,
    region: where.region,
    time: isoSeconds(exec.stopDate ?? exec.startDate),
    resources: [exec.arn],
    detail: {
      executionArn: exec.arn,
      stateMachineArn: exec.stateMachineArn,
      name: exec.name,
      status: exec.status,
      startDate: exec.startDate,
      stopDate: exec.stopDate ?? null,
      input: inputIncluded ? exec.input : null,
      inputDetails: { included: inputIncluded },
      output: exec.output !== undefined && outputIncluded ? exec.output : null,
      outputDetails: exec.output !== undefined ? { included: outputIncluded } : null,
      error: exec.error ?? null,
      cause: exec.cause ?? null,
      stateMachineVersionArn: null,
      stateMachineAliasArn: null,
    },
  };
}
