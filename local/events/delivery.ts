// Target deliveries of the local EventBridge: each runs after PutEvents has answered (the bus is
// asynchronous), and a failing one is retried with exponential backoff within the target's
// RetryPolicy (attempts and event age). An event that still cannot be delivered goes to the
// target's dead-letter queue with EventBridge's message attributes, or is logged and dropped when
// the target has none, as EventBridge does.
import type { EventEnvelope, RuleTarget } from './model.js';

/** What a target receives: where to deliver, the role EventBridge assumes, and a constant Input. */
export interface DeliveryTarget {
  arn: string;
  roleArn?: string;
  input?: string;
}

export type Deliver = (target: DeliveryTarget, event: EventEnvelope) => Promise<void>;

/** An event EventBridge gave up on, for the target's dead-letter queue. */
export interface DeadLetter {
  queueArn: string;
  ruleArn: string;
  targetArn: string;
  event: EventEnvelope;
  /** EventBridge's code for the last failure, e.g. RESOURCE_NOT_FOUND, NO_PERMISSIONS. */
  errorCode: string;
  errorMessage: string;
  condition: 'MaximumRetryAttemptsExhausted' | 'MaximumEventAgeExhausted';
  retryAttempts: number;
}

/** Sends a dead letter to its queue, as the events.amazonaws.com service principal. */
export type SendDeadLetter = (deadLetter: DeadLetter) => Promise<void>;

export interface RetryOptions {
  /** Delivery attempts per target without a RetryPolicy, first try included. Default 3. */
  attempts?: number;
  /** Backoff before the first retry, doubled for each next one. Default 100 ms. */
  baseDelayMs?: number;
}

/** EventBridge keeps retrying an event for 24 hours unless the target's RetryPolicy says otherwise. */
const DEFAULT_MAXIMUM_EVENT_AGE_SECONDS = 86_400;

/** EventBridge's dead-letter error code for an error of the target's service. */
function deadLetterCode(error: unknown): string {
  const name = `${(error as { code?: unknown } | null)?.code ?? (error as Error | null)?.name ?? ''}`;
  if (/NotFound/.test(name)) return 'RESOURCE_NOT_FOUND';
  if (/AccessDenied|NotAuthorized/.test(name)) return 'NO_PERMISSIONS';
  if (/Throttl|TooManyRequests/.test(name)) return 'THROTTLING';
  return 'SDK_CLIENT_ERROR';
}

export class DeliveryQueue {
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly deliver: Deliver,
    retry: RetryOptions = {},
    private readonly sendDeadLetter?: SendDeadLetter,
    private readonly now: () => number = Date.now,
  ) {
    this.attempts = Math.max(1, retry.attempts ?? 3);
    this.baseDelayMs = Math.max(0, retry.baseDelayMs ?? 100);
  }

  /** Starts delivering `event` to one target of the rule `ruleArn`, once the current call has returned. */
  schedule(ruleArn: string, target: RuleTarget, event: EventEnvelope): void {
    const delivery: DeliveryTarget = { arn: target.arn };
    if (target.roleArn !== undefined) delivery.roleArn = target.roleArn;
    if (target.input !== undefined) delivery.input = target.input;
    const acceptedAt = this.now();
    // setImmediate: PutEvents answers before any target runs, as with the real asynchronous bus.
    const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.deliverWithRetry(ruleArn, target, delivery, event, acceptedAt));
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  /** Resolves once every delivery started so far (retries included) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async deliverWithRetry(ruleArn: string, target: RuleTarget, delivery: DeliveryTarget, event: EventEnvelope, acceptedAt: number): Promise<void> {
    const policy = target.retryPolicy;
    const attempts = policy?.maximumRetryAttempts !== undefined ? policy.maximumRetryAttempts + 1 : this.attempts;
    const maximumAgeMs = (policy?.maximumEventAgeInSeconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS) * 1000;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.deliver(delivery, structuredClone(event));
        return;
      } catch (error) {
        const delay = this.baseDelayMs * 2 ** (attempt - 1);
        const condition =
          attempt >= attempts ? 'MaximumRetryAttemptsExhausted' : this.now() + delay - acceptedAt > maximumAgeMs ? 'MaximumEventAgeExhausted' : undefined;
        if (condition === undefined) {
          await new Promise((resolve) => setTimeout(resolve, delay));
          continue;
        }
        await this.giveUp({ ruleArn, target, event, error, condition, retryAttempts: attempt - 1 });
        return;
      }
    }
  }

  private async giveUp(failure: { ruleArn: string; target: RuleTarget; event: EventEnvelope; error: unknown; condition: DeadLetter['condition']; retryAttempts: number }): Promise<void> {
    const { ruleArn, target, event, error, condition, retryAttempts } = failure;
    const message = error instanceof Error ? error.message : String(error);
    const where = `[events] rule ${ruleArn} target ${target.id} (${target.arn}): event ${event.id}`;
    if (target.deadLetterArn === undefined || this.sendDeadLetter === undefined) {
      console.warn(`${where}: delivery failed after ${retryAttempts + 1} attempt(s): ${message}`);
      return;
    }
    try {
      await this.sendDeadLetter({ queueArn: target.deadLetterArn, ruleArn, targetArn: target.arn, event, errorCode: deadLetterCode(error), errorMessage: message, condition, retryAttempts });
    } catch (sendError) {
      // As in EventBridge: a dead-letter queue it may not write to loses the event.
      console.warn(`${where}: not delivered (${message}), and not sent to the dead-letter queue ${target.deadLetterArn}: ${sendError instanceof Error ? sendError.message : String(sendError)}`);
    }
  }
}
