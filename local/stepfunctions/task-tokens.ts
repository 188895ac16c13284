// Task tokens of the callback pattern (`.waitForTaskToken`): a token is issued when a state's
// Parameters read `$$.Task.Token`, and the state waits until SendTaskSuccess / SendTaskFailure
// names it, or its timeout ends it. A token whose task is over answers TaskTimedOut, as in AWS.
import { randomBytes } from 'node:crypto';
import { sfnError } from './model.js';

/** How a waiting task ended from outside: SendTaskSuccess's output, or SendTaskFailure's error. */
export type TaskOutcome = { output: unknown } | { error: string; cause?: string };

interface Waiter {
  executionArn: string;
  stateMachineArn: string;
  settle?: (outcome: TaskOutcome) => void;
  /** Told of SendTaskHeartbeat. */
  heartbeat?: () => void;
}

/** AWS tokens are opaque strings of up to 1,024 characters. */
const MAX_TOKEN_LENGTH = 1024;

export class TaskTokens {
  private readonly waiters = new Map<string, Waiter>();
  /** Tokens that were once valid: answering one after its task ended is TaskTimedOut, not InvalidToken. */
  private readonly spent = new Set<string>();

  /** A new token for a task of `executionArn`; the task claims it with `await`. */
  issue(executionArn: string, stateMachineArn: string): string {
    const token = `AQ${randomBytes(96).toString('base64url')}`;
    this.waiters.set(token, { executionArn, stateMachineArn });
    return token;
  }

  /** Whether `token` was issued and its task is not over. */
  isOpen(token: string): boolean {
    return this.waiters.has(token);
  }

  /** Waits for the token's outcome; `onHeartbeat` is told of each SendTaskHeartbeat. */
  await(token: string, onHeartbeat?: () => void): Promise<TaskOutcome> {
    const waiter = this.waiters.get(token);
    if (waiter === undefined) return Promise.reject(new Error(`Task token ${token.slice(0, 12)}… is not open`));
    return new Promise((resolve) => {
      waiter.settle = resolve;
      if (onHeartbeat !== undefined) waiter.heartbeat = onHeartbeat;
    });
  }

  /** The task ended by itself (timeout, its execution stopped): later answers are TaskTimedOut. */
  close(token: string): void {
    if (this.waiters.delete(token)) this.spent.add(token);
  }

  /** The state machine a token belongs to (what SendTask* is authorized against). */
  stateMachineOf(token: string): string {
    return this.open(token).stateMachineArn;
  }

  settle(token: string, outcome: TaskOutcome): void {
    const waiter = this.open(token);
    this.close(token);
    waiter.settle?.(outcome);
  }

  heartbeat(token: string): void {
    this.open(token).heartbeat?.();
  }

  private open(token: string): Waiter {
    const waiter = this.waiters.get(token);
    if (waiter !== undefined) return waiter;
    if (this.spent.has(token)) throw sfnError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    if (token.length > MAX_TOKEN_LENGTH || token.length === 0) {
      throw sfnError('ValidationException', `1 validation error detected: Value at 'taskToken' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TOKEN_LENGTH}`);
    }
    throw sfnError('InvalidToken', 'Invalid Token');
  }
}
