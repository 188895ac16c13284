// Target deliveries of the local EventBridge: each runs after PutEvents has answered (the bus is
// asynchronous), and a failing one is retried with exponential backoff, then logged and dropped,
// as EventBridge does for a target without a dead-letter queue.
import type { EventEnvelope, RuleTarget } from './model.js';

/** What a target receives: where to deliver, the role EventBridge assumes, and a constant Input. */
export interface DeliveryTarget {
  arn: string;
  roleArn?: string;
  input?: string;
}

export type Deliver = (target: DeliveryTarget, event: EventEnvelope) => Promise<void>;

export interface RetryOptions {
  /** Delivery attempts per target, first try included. Default 3. */
  attempts?: number;
  /** Backoff before the first retry, doubled for each next one. Default 100 ms. */
  baseDelayMs?: number;
}

export class DeliveryQueue {
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly deliver: Deliver,
    retry: RetryOptions = {},
  ) {
    this.attempts = Math.max(1, retry.attempts ?? 3);
    this.baseDelayMs = Math.max(0, retry.baseDelayMs ?? 100);
  }

  /** Starts delivering `event` to one target of the rule `ruleArn`, once the current call has returned. */
  schedule(ruleArn: string, target: RuleTarget, event: EventEnvelope): void {
    const delivery: DeliveryTarget = { arn: target.arn };
    if (target.roleArn !== undefined) delivery.roleArn = target.roleArn;
    if (target.input !== undefined) delivery.input = target.input;
    // setImmediate: PutEvents answers before any target runs, as with the real asynchronous bus.
    const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.deliverWithRetry(ruleArn, target, delivery, event));
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  /** Resolves once every delivery started so far (retries included) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async deliverWithRetry(ruleArn: string, target: RuleTarget, delivery: DeliveryTarget, event: EventEnvelope): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.deliver(delivery, structuredClone(event));
        return;
      } catch (error) {
        if (attempt >= this.attempts) {
          const message = error instanceof Error ? error.message : String(error);
          console.warn(`[events] rule ${ruleArn} target ${target.id} (${target.arn}): delivery of event ${event.id} failed after ${attempt} attempt(s): ${message}`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}
