// Executions that end without the workflow recording an outcome (an operator's StopExecution, the
// state machine's timeout, a failure of the Record step itself): what Step Functions' "Execution
// Status Change" event says about them, and the failure their provider records.
import { describeFailure, type FailureReason } from './errors.js';
import { parseProviderId } from './provider.js';

/** Statuses after which nothing more runs, and the workflow may not have recorded an outcome. */
export const STATUSES_ENDING_WITHOUT_OUTCOME = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;
export type EndedStatus = 'SUCCEEDED' | (typeof STATUSES_ENDING_WITHOUT_OUTCOME)[number];

export const EXECUTION_STATUS_CHANGE = { source: 'aws.states', detailType: 'Step Functions Execution Status Change' } as const;

/** The fields of Step Functions' "Execution Status Change" event that this service reads. */
export interface ExecutionStatusChangeEvent {
  source?: string;
  'detail-type'?: string;
  detail?: {
    executionArn?: string;
    name?: string;
    status?: string;
    input?: string | null;
    error?: string | null;
    cause?: string | null;
  };
}

export interface EndedExecution {
  executionArn: string;
  executionName: string;
  status: EndedStatus;
  error?: string;
  cause?: string;
  /** The provider the execution onboarded, from its input (or, without input, its name). */
  providerId?: string;
}

const ENDED_STATUSES: readonly string[] = ['SUCCEEDED', ...STATUSES_ENDING_WITHOUT_OUTCOME];

/** A cause can be 32 KB of JSON; the provider's message keeps its start. */
const MAX_CAUSE_LENGTH = 1_000;

/** The ended execution an event announces; undefined for any other event (or a still running one). */
export function endedExecutionOf(event: ExecutionStatusChangeEvent): EndedExecution | undefined {
  const detail = event.detail;
  if (event.source !== EXECUTION_STATUS_CHANGE.source || event['detail-type'] !== EXECUTION_STATUS_CHANGE.detailType) return undefined;
  if (!detail?.executionArn || !detail.name || !ENDED_STATUSES.includes(detail.status ?? '')) return undefined;
  const providerId = providerIdFromInput(detail.input) ?? providerIdFromName(detail.name);
  return {
    executionArn: detail.executionArn,
    executionName: detail.name,
    status: detail.status as EndedStatus,
    ...(detail.error ? { error: detail.error } : {}),
    ...(detail.cause ? { cause: detail.cause } : {}),
    ...(providerId !== undefined ? { providerId } : {}),
  };
}

/** The workflow's input is `{ provider: { providerId, ... } }` (see workflowInputOf). */
function providerIdFromInput(input: string | null | undefined): string | undefined {
  if (!input) return undefined;
  try {
    const providerId = (JSON.parse(input) as { provider?: { providerId?: unknown } }).provider?.providerId;
    return typeof providerId === 'string' && parseProviderId(providerId) ? providerId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Step Functions leaves the input out of the event when it is too large; names are
 * `<workspace>_<name>_<attempt>` (executionNameOf), readable unless a long identity was hashed.
 */
function providerIdFromName(executionName: string): string | undefined {
  const match = /^([a-z0-9-]+)_([a-z0-9-]+)_\d+$/.exec(executionName);
  if (!match) return undefined;
  const providerId = `${match[1]}.${match[2]}`;
  return parseProviderId(providerId) ? providerId : undefined;
}

/**
 * The reason and message a provider records when its execution ended without recording an
 * outcome. Derived from the event alone, so a retried delivery computes the same failure.
 */
export function failureOfEndedExecution(ended: EndedExecution): { reason: FailureReason; message: string } {
  const execution = `Execution ${ended.executionName}`;
  switch (ended.status) {
    case 'ABORTED': {
      const given = [ended.error, ended.cause].filter((part) => part !== undefined).join(': ');
      return {
        reason: 'EXECUTION_ABORTED',
        message: `${execution} was stopped before it recorded an outcome${given ? ` (${truncated(given)})` : ''}.`,
      };
    }
    case 'TIMED_OUT':
      return { reason: 'TIMEOUT', message: `${execution} timed out before it recorded an outcome.` };
    case 'FAILED': {
      const failure = describeFailure({ Error: ended.error, Cause: ended.cause });
      return { reason: failure.reason, message: `${execution} failed before it recorded an outcome: ${truncated(failure.message)}` };
    }
    case 'SUCCEEDED':
      return { reason: 'INTERNAL', message: `${execution} succeeded without recording an outcome.` };
  }
}

function truncated(text: string): string {
  return text.length > MAX_CAUSE_LENGTH ? `${text.slice(0, MAX_CAUSE_LENGTH)}…` : text;
}
