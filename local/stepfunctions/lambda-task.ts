// A Task state's attempt as Step Functions runs it against Lambda: invoked with a session of the
// state machine's role, its Lambda events in the history, its timeout, and the retry scaling told
// how the attempt ended.
import { randomUUID } from 'node:crypto';
import type { HistoryEventType } from '@aws-sdk/client-sfn';
import { AwsServiceError, type Authorize, type CallerIdentity } from '../core/types.js';
import { taskTimeoutMs, type StateDefinition } from './definition.js';
import { json, type Run } from './history.js';
import type { EventDetails } from './model.js';

/** How Task states reach Lambda: the caller-side half of the local cloud's wiring. */
export interface TaskLambda {
  authorize: Authorize;
  /**
   * Invokes a Lambda function for a Task state and returns its output. A function error must be
   * thrown as an Error whose `name` is the Lambda errorType and whose message is the JSON cause.
   */
  invokeLambda: (functionArn: string, input: unknown, caller: CallerIdentity) => Promise<unknown>;
  /** The identity of a session of the state machine's role (what Task states call Lambda with). */
  roleSession: (roleArn: string) => CallerIdentity;
}

/** Lambda errors Step Functions reports under their own code; anything else is AWSLambdaException. */
const MODELED_LAMBDA_ERRORS = new Set([
  'ResourceNotFoundException', 'TooManyRequestsException', 'ServiceException', 'InvalidRequestContentException',
  'RequestTooLargeException', 'ResourceConflictException', 'InvalidParameterValueException', 'UnsupportedMediaTypeException',
  'InvalidRuntimeException', 'ResourceNotReadyException', 'CodeStorageExceededException',
]);

/** How an error of the Lambda service itself (not of the function) surfaces in a Task state. */
function lambdaServiceError(error: AwsServiceError): Error {
  const name = MODELED_LAMBDA_ERRORS.has(error.code) ? `Lambda.${error.code}` : 'Lambda.AWSLambdaException';
  const wrapped = new Error(
    `${error.message} (Service: AWSLambda; Status Code: ${error.status}; Error Code: ${error.code}; Request ID: ${randomUUID()}; Proxy: null)`,
  );
  wrapped.name = name;
  return wrapped;
}

/** The error a Task state sees for a failed Lambda call (the function's, or the service's own). */
export function taskError(error: unknown): Error {
  if (error instanceof AwsServiceError) return lambdaServiceError(error);
  return error instanceof Error ? error : new Error(String(error));
}

/** The history and retry side of one attempt; once it is over (ended or timed out), later events are dropped. */
class TaskAttempt {
  private over = false;

  constructor(
    private readonly run: Run,
    private readonly stateName: string,
    private readonly attempt: number,
  ) {}

  event(type: HistoryEventType, details: EventDetails = {}): void {
    if (!this.over) this.run.taskEvent(this.stateName, this.attempt, type, details);
  }

  timedOut(): void {
    this.event('LambdaFunctionTimedOut', { lambdaFunctionTimedOutEventDetails: { error: 'States.Timeout' } });
    this.over = true;
    this.run.scaler?.failed(this.stateName, 'States.Timeout', true);
  }

  /** The error the interpreter sees for a failed attempt, recorded as `type`. */
  failed(cause: unknown, type: 'LambdaFunctionStartFailed' | 'LambdaFunctionFailed'): Error {
    const error = taskError(cause);
    const details = { error: error.name, cause: error.message };
    this.event(type, type === 'LambdaFunctionStartFailed' ? { lambdaFunctionStartFailedEventDetails: details } : { lambdaFunctionFailedEventDetails: details });
    if (!this.over) this.run.scaler?.failed(this.stateName, error.name, false);
    this.over = true;
    return error;
  }

  succeeded(output: unknown): void {
    this.event('LambdaFunctionSucceeded', { lambdaFunctionSucceededEventDetails: { output: json(output), outputDetails: { truncated: false } } });
    if (!this.over) this.run.scaler?.succeeded(this.stateName);
    this.over = true;
  }
}

/** One Task attempt: Lambda invoked with a session of the state machine's role, as in AWS. */
export async function runLambdaTask(run: Run, stateName: string, state: StateDefinition, input: unknown, lambda: TaskLambda): Promise<unknown> {
  const attempt = new TaskAttempt(run, stateName, run.nextAttempt(stateName));
  const resource = String(state.Resource);
  const timeoutMs = taskTimeoutMs(state, input);
  attempt.event('LambdaFunctionScheduled', {
    lambdaFunctionScheduledEventDetails: {
      resource,
      input: json(input),
      inputDetails: { truncated: false },
      ...(typeof state.TimeoutSeconds === 'number' ? { timeoutInSeconds: state.TimeoutSeconds } : {}),
    },
  });
  // Armed before the interpreter arms its own timer of the same length, so it fires first and
  // the history and retry scaling see the timeout before the interpreter acts on it.
  const timer = timeoutMs !== undefined ? setTimeout(() => attempt.timedOut(), timeoutMs) : undefined;
  try {
    let caller: CallerIdentity;
    try {
      caller = lambda.roleSession(run.exec.roleArn);
      lambda.authorize(caller, 'lambda:InvokeFunction', resource);
    } catch (error) {
      throw attempt.failed(error, 'LambdaFunctionStartFailed');
    }
    attempt.event('LambdaFunctionStarted');
    let output: unknown;
    try {
      output = await lambda.invokeLambda(resource, input, caller);
    } catch (error) {
      throw attempt.failed(error, 'LambdaFunctionFailed');
    }
    attempt.succeeded(output);
    return output === undefined ? null : output;
  } finally {
    clearTimeout(timer);
  }
}
