// The callback pattern for Lambda (`arn:<partition>:states:::lambda:invoke.waitForTaskToken`): the
// function is invoked with the state's `Payload` (which carries `$$.Task.Token`), and the state
// then waits until SendTaskSuccess / SendTaskFailure names the token, or its TimeoutSeconds
// (or TimeoutSecondsPath) ends it with States.Timeout. Waiting on the outside world is scaled by
// `executionTimeoutScale`, like the execution's own TimeoutSeconds.
import type { HistoryEventType } from '@aws-sdk/client-sfn';
import { DEFAULT_TASK_TIMEOUT_SECONDS, type StateDefinition } from './definition.js';
import { json, type Run } from './history.js';
import { taskError, type TaskLambda } from './lambda-task.js';
import type { EventDetails } from './model.js';
import type { TaskOutcome, TaskTokens } from './task-tokens.js';

export const CALLBACK_LAMBDA_RESOURCE = /^arn:[^:]+:states:::lambda:invoke\.waitForTaskToken$/;

/**
 * The Parameters key through which the interpreter hands the state's timeout, evaluated on the
 * state's input as AWS evaluates TimeoutSecondsPath (the interpreter would read it after Parameters).
 */
export const TIMEOUT_PARAMETER = '__localTimeoutSeconds';
/** Context key the interpreter reads each callback state's scaled timeout from. */
export const TIMEOUTS_CONTEXT_KEY = 'LocalTaskTimeouts';

export function isCallbackTask(state: StateDefinition): boolean {
  return state.Type === 'Task' && typeof state.Resource === 'string' && CALLBACK_LAMBDA_RESOURCE.test(state.Resource);
}

/**
 * Rewrites a callback state of the interpreter's copy of a definition: its timeout travels through
 * Parameters, and the interpreter's own timer reads the scaled value the task sets per run.
 */
export function prepareCallbackState(name: string, state: StateDefinition): void {
  const parameters = (state.Parameters ?? {}) as Record<string, unknown>;
  if (typeof state.TimeoutSecondsPath === 'string') parameters[`${TIMEOUT_PARAMETER}.$`] = state.TimeoutSecondsPath;
  else parameters[TIMEOUT_PARAMETER] = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : DEFAULT_TASK_TIMEOUT_SECONDS;
  state.Parameters = parameters;
  delete state.TimeoutSeconds;
  state.TimeoutSecondsPath = `$$.${TIMEOUTS_CONTEXT_KEY}['${name}']`;
}

export interface CallbackOptions extends TaskLambda {
  tokens: TaskTokens;
  executionTimeoutScale: number;
  region: string;
}

const DETAILS = { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' };

/** One run's callback tasks: the `$$.Task` context object, the tokens it issued, their timeouts. */
export class CallbackTasks {
  /** `$$.Task`: reading `Token` issues a token for the state whose Parameters are being evaluated. */
  readonly taskContext: { readonly Token: string };
  /** `$$.LocalTaskTimeouts`: each callback state's scaled timeout, set before the interpreter reads it. */
  readonly timeouts: Record<string, number> = {};
  private unclaimed: string[] = [];
  private readonly open = new Set<string>();

  constructor(
    private readonly run: Run,
    private readonly options: CallbackOptions,
  ) {
    const issue = (): string => {
      const token = options.tokens.issue(run.exec.arn, run.exec.stateMachineArn);
      this.unclaimed.push(token);
      this.open.add(token);
      return token;
    };
    this.taskContext = {
      get Token() {
        return issue();
      },
    };
  }

  /**
   * One attempt of a callback state. Its synchronous start (before the first await) runs before
   * the interpreter reads the timeout and claims the token its Parameters just issued.
   */
  execute(stateName: string, input: unknown): Promise<unknown> {
    const { [TIMEOUT_PARAMETER]: seconds, ...parameters } = input as Record<string, unknown>;
    const timeoutSeconds = Math.min(DEFAULT_TASK_TIMEOUT_SECONDS, Math.max(1, Math.ceil(Number(seconds) * this.options.executionTimeoutScale)));
    this.timeouts[stateName] = timeoutSeconds;
    const [token = this.taskContext.Token] = this.unclaimed.splice(0);
    const attempt = this.run.nextAttempt(stateName);
    const event = (type: HistoryEventType, details: EventDetails): void => this.run.taskEvent(stateName, attempt, type, details);
    event('TaskScheduled', {
      taskScheduledEventDetails: { ...DETAILS, region: this.options.region, parameters: json(parameters), timeoutInSeconds: timeoutSeconds },
    });
    // Armed before the interpreter's timer of the same length, so the history sees the timeout first.
    const timer = setTimeout(() => {
      this.close(token);
      event('TaskTimedOut', { taskTimedOutEventDetails: { ...DETAILS, error: 'States.Timeout' } });
      this.run.scaler?.failed(stateName, 'States.Timeout', true);
    }, timeoutSeconds * 1000);
    return this.invokeAndWait(stateName, token, parameters, event).finally(() => clearTimeout(timer));
  }

  /** The run ended: its tokens are answered TaskTimedOut from now on. */
  closeAll(): void {
    for (const token of this.open) this.close(token);
  }

  private close(token: string): void {
    this.open.delete(token);
    this.options.tokens.close(token);
  }

  private async invokeAndWait(
    stateName: string,
    token: string,
    parameters: Record<string, unknown>,
    event: (type: HistoryEventType, details: EventDetails) => void,
  ): Promise<unknown> {
    const functionName = String(parameters.FunctionName);
    const outcome = this.options.tokens.await(token);
    let submitted: unknown;
    try {
      const caller = this.options.roleSession(this.run.exec.roleArn);
      this.options.authorize(caller, 'lambda:InvokeFunction', functionName);
      event('TaskStarted', { taskStartedEventDetails: DETAILS });
      submitted = await this.options.invokeLambda(functionName, parameters.Payload ?? {}, caller);
    } catch (cause) {
      this.close(token);
      throw this.failed(stateName, taskError(cause), event);
    }
    event('TaskSubmitted', { taskSubmittedEventDetails: { ...DETAILS, output: json({ Payload: submitted, StatusCode: 200 }) } });
    const result: TaskOutcome = await outcome;
    if ('error' in result) {
      const error = new Error(result.cause ?? '');
      error.name = result.error;
      throw this.failed(stateName, error, event);
    }
    event('TaskSucceeded', { taskSucceededEventDetails: { ...DETAILS, output: json(result.output) } });
    this.run.scaler?.succeeded(stateName);
    return result.output;
  }

  private failed(stateName: string, error: Error, event: (type: HistoryEventType, details: EventDetails) => void): Error {
    event('TaskFailed', { taskFailedEventDetails: { ...DETAILS, error: error.name, cause: error.message } });
    this.run.scaler?.failed(stateName, error.name, false);
    return error;
  }
}
