// Local EventBridge: event buses, rules with content filtering and targets, behind the JSON 1.1
// protocol (X-Amz-Target: AWSEvents.<Action>) so the real SDK client talks to it unchanged.
// Deliveries are handed to `deliver` (the local cloud invokes Lambda targets); they run after
// PutEvents has answered, and failures are retried within the target's RetryPolicy, then sent to
// its dead-letter queue (or logged and dropped without one), as EventBridge does.
//
// Layout: model.ts holds the state and all its changes, delivery.ts the asynchronous target
// deliveries, api.ts one function per API operation, put-events.ts the PutEvents checks,
// pattern.ts the event pattern language. This class is the facade the local cloud uses.
import { ChangeLog, type DurableService, type RecordChange } from '../core/changes.js';
import type { Authorize, AwsRequest, AwsResponse, CallerIdentity } from '../core/types.js';
import { handleEventBridgeRequest } from './api.js';
import { DeliveryQueue, type Deliver, type RetryOptions, type SendDeadLetter } from './delivery.js';
import { EventBridgeModel, type EventBridgeSnapshot, type EventEnvelope, type PublishableEvent, type PutRuleInput } from './model.js';
import { putEvents, type PutEventsEntry, type PutEventsResult } from './put-events.js';
import { eventBridgeRecords, eventBridgeStateOf } from './records.js';

export type { DeadLetter, Deliver, DeliveryTarget, RetryOptions, SendDeadLetter } from './delivery.js';
export { eventTime, type EventBridgeSnapshot, type EventEnvelope, type PublishableEvent, type PutRuleInput, type RuleTarget } from './model.js';
export { matchesPattern, validatePattern } from './pattern.js';
export type { PutEventsEntry, PutEventsResult, PutEventsResultEntry } from './put-events.js';

export interface LocalEventBridgeOptions {
  accountId: string;
  region: string;
  authorize: Authorize;
  deliver: Deliver;
  now?: () => number;
  /** Delivery attempts per target without a RetryPolicy (first try included) and the base backoff, doubled per retry. */
  retry?: RetryOptions;
  /** Sends an event no retry could deliver to its target's dead-letter queue. */
  sendDeadLetter?: SendDeadLetter;
  /** Whether scheduled rules fire (default false: nothing fires by the clock unless asked). */
  schedules?: boolean;
}

export class LocalEventBridge implements DurableService {
  readonly accountId: string;
  readonly region: string;
  /** Changed buses, rules and recorded events, for persistence. */
  readonly changes = new ChangeLog();
  private readonly authorize: Authorize;
  private readonly deliveries: DeliveryQueue;
  private readonly model: EventBridgeModel;

  constructor(options: LocalEventBridgeOptions) {
    this.accountId = options.accountId;
    this.region = options.region;
    this.authorize = options.authorize;
    const now = options.now ?? Date.now;
    this.deliveries = new DeliveryQueue(options.deliver, options.retry, options.sendDeadLetter, now);
    this.model = new EventBridgeModel(options.accountId, options.region, now, this.deliveries, this.changes, options.schedules ?? false);
  }

  busArn(name: string): string {
    return this.model.busArn(name);
  }

  ruleArn(busName: string, ruleName: string): string {
    return this.model.ruleArn(busName, ruleName);
  }

  /** Creates a custom bus ('default' exists from the start). */
  createEventBus(name: string, description?: string): { arn: string } {
    return { arn: this.model.createEventBus(name, description).arn };
  }

  /** Creates or replaces a rule together with its targets. */
  putRule(input: PutRuleInput): { arn: string } {
    return { arn: this.model.putRuleWithTargets(input).arn };
  }

  /**
   * PutEvents as a customer calls it: validates entries one by one (per-entry error codes),
   * authorizes events:PutEvents on each bus, records accepted events and routes them to rules.
   */
  async putEvents(entries: PutEventsEntry[], caller?: CallerIdentity): Promise<PutEventsResult> {
    return putEvents(this.model, this.authorize, entries, caller);
  }

  /** Puts an AWS-service event (already an envelope) on a bus: no source check, no authorization. */
  async publish(event: PublishableEvent, busName = 'default'): Promise<void> {
    this.model.publish(event, busName);
  }

  /** Every event accepted on the bus (default: 'default'), newest last. */
  recordedEvents(busName = 'default'): EventEnvelope[] {
    return this.model.recordedEvents(busName);
  }

  /** Resolves once every delivery started so far (retries included) has finished. */
  /** Stops the timers of scheduled rules (the cloud is closing). */
  stopSchedules(): void {
    this.model.stopSchedules();
  }

  settled(): Promise<void> {
    return this.deliveries.settled();
  }

  snapshot(): EventBridgeSnapshot {
    return this.model.snapshot();
  }

  restore(snapshot: unknown): void {
    this.model.restore(snapshot);
  }

  records(): RecordChange[] {
    return eventBridgeRecords(this.model.snapshot());
  }

  /** Records without a bus are a state directory EventBridge never wrote to: the state stays fresh. */
  restoreRecords(records: ReadonlyMap<string, unknown>): void {
    const snapshot = eventBridgeStateOf(records);
    if (snapshot.buses.length > 0) this.restore(snapshot);
  }

  /** One request of the EventBridge JSON protocol, from the shared endpoint. */
  handle(req: AwsRequest): Promise<AwsResponse> {
    return handleEventBridgeRequest(req, this.model, this.authorize);
  }
}
