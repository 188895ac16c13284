// The state of the local EventBridge and everything that changes it: event buses, rules with
// their targets, the archive of accepted events, and routing an accepted event to the targets of
// the matching rules. No wire format here: api.ts reads requests and serialises answers.
import { randomUUID } from 'node:crypto';
import { ChangeLog } from '../core/changes.js';
import { AwsServiceError } from '../core/types.js';
import type { DeliveryQueue } from './delivery.js';
import { matchesValidatedPattern, parsePattern, validatePattern } from './pattern.js';
import { recordedEvent, recordKeys } from './records.js';
import { parseScheduleExpression, RuleScheduler, ScheduleExpressionError, scheduledEvent, type Schedule } from './schedule.js';

/** An event as EventBridge delivers it to targets. */
export interface EventEnvelope {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** ISO 8601 without milliseconds, e.g. 2026-11-20T09:14:05Z. */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** An event to put on a bus: the envelope fields left out are filled as AWS fills them. */
export type PublishableEvent = Pick<EventEnvelope, 'source' | 'detail-type' | 'detail'> & Partial<EventEnvelope>;

export interface RuleTarget {
  id: string;
  arn: string;
  roleArn?: string;
  input?: string;
  /** RetryPolicy: how often and for how long a failing delivery is retried. */
  retryPolicy?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
  /** DeadLetterConfig.Arn: the SQS queue an event goes to once it cannot be delivered. */
  deadLetterArn?: string;
}

export type RuleState = 'ENABLED' | 'DISABLED';

/** A rule together with all its targets, as a CloudFormation AWS::Events::Rule declares it. */
export interface PutRuleInput {
  name: string;
  eventBusName?: string;
  /** A pattern object, or its JSON text; a scheduled rule may have none. */
  eventPattern?: unknown;
  /** `rate(...)` or `cron(...)`: the rule fires its targets on this schedule (default bus only). */
  scheduleExpression?: string;
  state?: RuleState;
  description?: string;
  targets: RuleTarget[];
}

export interface Bus {
  name: string;
  arn: string;
  description?: string;
  creationTime: number;
}

export interface Rule {
  name: string;
  arn: string;
  busName: string;
  /** Absent on a rule that only runs on a schedule. */
  pattern?: Record<string, unknown>;
  scheduleExpression?: string;
  state: RuleState;
  description?: string;
  targets: RuleTarget[];
  creationTime: number;
}

export interface EventBridgeSnapshot {
  kind: 'local-eventbridge';
  version: 1;
  buses: Bus[];
  rules: Rule[];
  events: Record<string, EventEnvelope[]>;
}

const MAX_TARGETS_PER_RULE = 5;
/** Recorded events kept per bus, so a long-running local cloud does not grow without bound. */
const MAX_RECORDED_PER_BUS = 10_000;
/** Rule names and target ids. */
export const NAME_RE = /^[.\-_A-Za-z0-9]{1,64}$/;
const BUS_NAME_RE = /^[/.\-_A-Za-z0-9]{1,256}$/;
/** Marks a bus named by another account's or region's ARN: no local bus has that name. */
const FOREIGN = '\u0000foreign:';

export function validation(message: string): AwsServiceError {
  return new AwsServiceError('ValidationException', message);
}

function limitExceeded(): AwsServiceError {
  return new AwsServiceError('LimitExceededException', 'The requested resource exceeds the maximum number allowed.');
}

/** A bus name as errors show it: a foreign bus by the ARN it was given as. */
export function displayBus(name: string): string {
  return name.startsWith(FOREIGN) ? name.slice(FOREIGN.length) : name;
}

/** ISO 8601 in whole seconds, as EventBridge writes `time`. */
export function eventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export class EventBridgeModel {
  private buses = new Map<string, Bus>();
  private rules = new Map<string, Rule>();
  private events = new Map<string, EventEnvelope[]>();
  /** Fires scheduled rules; absent when schedules are off (LOCAL_SCHEDULES=off, tests). */
  private readonly scheduler: RuleScheduler | undefined;

  constructor(
    readonly accountId: string,
    readonly region: string,
    private readonly now: () => number,
    private readonly deliveries: DeliveryQueue,
    /** Where changed buses, rules and recorded events are recorded for persistence. */
    private readonly changes: ChangeLog = new ChangeLog(),
    schedules = false,
  ) {
    this.scheduler = schedules ? new RuleScheduler(now, (key, time) => this.fireSchedule(key, time)) : undefined;
    this.addBus('default');
  }

  // ---------------------------------------------------------------- names, ARNs and lookups

  busArn(name: string): string {
    return `arn:aws:events:${this.region}:${this.accountId}:event-bus/${name}`;
  }

  ruleArn(busName: string, ruleName: string): string {
    const path = busName === 'default' ? ruleName : `${busName}/${ruleName}`;
    return `arn:aws:events:${this.region}:${this.accountId}:rule/${path}`;
  }

  /** A bus name from a name or an event-bus ARN; absent means 'default'. */
  busNameOf(nameOrArn: string | undefined): string {
    if (nameOrArn === undefined || nameOrArn === '') return 'default';
    if (!nameOrArn.startsWith('arn:')) return nameOrArn;
    const match = /^arn:[^:]+:events:([^:]*):([^:]*):event-bus\/(.+)$/.exec(nameOrArn);
    if (!match) throw validation(`Parameter EventBusName is not valid: ${nameOrArn}`);
    const [, region, account, name] = match as unknown as [string, string, string, string];
    if (region !== this.region || account !== this.accountId) return `${FOREIGN}${nameOrArn}`;
    return name;
  }

  /** The ARN IAM decides PutEvents on: a foreign bus keeps the ARN the caller gave. */
  putEventsResourceOf(busName: string): string {
    return busName.startsWith(FOREIGN) ? displayBus(busName) : this.busArn(busName);
  }

  hasBus(name: string): boolean {
    return this.buses.has(name);
  }

  requireBus(name: string): Readonly<Bus> {
    const bus = this.buses.get(name);
    if (!bus) throw new AwsServiceError('ResourceNotFoundException', `Event bus ${displayBus(name)} does not exist.`);
    return bus;
  }

  requireRule(busName: string, ruleName: string): Readonly<Rule> {
    return this.mutableRule(busName, ruleName);
  }

  // ---------------------------------------------------------------- buses

  /** Creates a custom bus ('default' exists from the start). */
  createEventBus(name: string, description?: string): Readonly<Bus> {
    if (!BUS_NAME_RE.test(name)) throw validation(`Event bus name ${name} is not valid.`);
    if (this.buses.has(name)) throw new AwsServiceError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    return this.addBus(name, description);
  }

  /** Deletes a custom bus with its rules and recorded events; deleting a missing bus is a no-op. */
  deleteEventBus(name: string): void {
    if (name === 'default') throw validation('Cannot delete event bus default.');
    if (!this.buses.delete(name)) return;
    this.changes.delete(recordKeys.bus(name));
    for (const event of this.events.get(name) ?? []) this.changes.delete(recordKeys.event(name, event.id));
    this.events.delete(name);
    for (const [key, rule] of this.rules) {
      if (rule.busName !== name) continue;
      this.rules.delete(key);
      this.changes.delete(recordKeys.rule(name, rule.name));
    }
  }

  listEventBuses(namePrefix: string): Readonly<Bus>[] {
    return [...this.buses.values()].filter((b) => b.name.startsWith(namePrefix)).sort((a, b) => a.name.localeCompare(b.name));
  }

  // ---------------------------------------------------------------- rules and targets

  /** Creates or replaces a rule with exactly the given targets. */
  putRuleWithTargets(input: PutRuleInput): Readonly<Rule> {
    const busName = this.busNameOf(input.eventBusName);
    this.requireBus(busName);
    const { scheduleExpression } = input;
    if (input.eventPattern === undefined && scheduleExpression === undefined) throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    if (scheduleExpression !== undefined) {
      if (busName !== 'default') throw validation('ScheduleExpression is supported only on the default event bus.');
      scheduleOf(scheduleExpression);
    }
    const pattern = typeof input.eventPattern === 'string' ? parsePattern(input.eventPattern) : input.eventPattern;
    if (pattern !== undefined) validatePattern(pattern);
    if (!NAME_RE.test(input.name)) throw validation(`Rule name ${input.name} is not valid.`);
    if (input.targets.length > MAX_TARGETS_PER_RULE) throw limitExceeded();
    const key = ruleKey(busName, input.name);
    const rule: Rule = {
      name: input.name,
      arn: this.ruleArn(busName, input.name),
      busName,
      ...(pattern !== undefined ? { pattern: structuredClone(pattern as Record<string, unknown>) } : {}),
      ...(scheduleExpression !== undefined ? { scheduleExpression } : {}),
      state: input.state ?? 'ENABLED',
      targets: input.targets.map((t) => ({ ...t })),
      creationTime: this.rules.get(key)?.creationTime ?? this.now(),
    };
    if (input.description !== undefined) rule.description = input.description;
    this.rules.set(key, rule);
    this.ruleChanged(rule);
    return rule;
  }

  /** The PutRule operation: creates the rule or updates it in place; its targets stay, so does its description unless a new one is given. */
  putRule(input: { name: string; busName: string; pattern?: Record<string, unknown>; scheduleExpression?: string; state: RuleState; description?: string }): Readonly<Rule> {
    const existing = this.rules.get(ruleKey(input.busName, input.name));
    const description = input.description ?? existing?.description;
    return this.putRuleWithTargets({
      name: input.name,
      eventBusName: input.busName,
      ...(input.pattern !== undefined ? { eventPattern: input.pattern } : {}),
      ...(input.scheduleExpression !== undefined ? { scheduleExpression: input.scheduleExpression } : {}),
      state: input.state,
      targets: existing?.targets ?? [],
      ...(description !== undefined ? { description } : {}),
    });
  }

  listRules(busName: string, namePrefix: string): Readonly<Rule>[] {
    return [...this.rules.values()]
      .filter((r) => r.busName === busName && r.name.startsWith(namePrefix))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  setRuleState(busName: string, ruleName: string, state: RuleState): void {
    const rule = this.mutableRule(busName, ruleName);
    rule.state = state;
    this.ruleChanged(rule);
  }

  /** Deletes a rule that has no targets left (as AWS requires); deleting a missing rule is a no-op. */
  deleteRule(busName: string, ruleName: string): void {
    const key = ruleKey(busName, ruleName);
    if ((this.rules.get(key)?.targets.length ?? 0) > 0) throw validation("Rule can't be deleted since it has targets.");
    if (this.rules.delete(key)) this.changes.delete(recordKeys.rule(busName, ruleName));
    this.scheduler?.arm(key, undefined);
  }

  /** Adds targets to a rule, replacing those with the same id. */
  putTargets(busName: string, ruleName: string, targets: RuleTarget[]): void {
    const rule = this.mutableRule(busName, ruleName);
    const next = new Map(rule.targets.map((t) => [t.id, t]));
    for (const target of targets) next.set(target.id, { ...target });
    if (next.size > MAX_TARGETS_PER_RULE) throw limitExceeded();
    rule.targets = [...next.values()];
    this.ruleChanged(rule);
  }

  removeTargets(busName: string, ruleName: string, ids: string[]): void {
    const rule = this.mutableRule(busName, ruleName);
    rule.targets = rule.targets.filter((t) => !ids.includes(t.id));
    this.ruleChanged(rule);
  }

  // ---------------------------------------------------------------- events

  /** The full envelope of an event, its missing fields filled as AWS fills them. */
  envelope(event: PublishableEvent): EventEnvelope {
    return {
      version: event.version ?? '0',
      id: event.id ?? randomUUID(),
      'detail-type': event['detail-type'],
      source: event.source,
      account: event.account ?? this.accountId,
      time: event.time ?? eventTime(this.now()),
      region: event.region ?? this.region,
      resources: [...(event.resources ?? [])],
      detail: structuredClone(event.detail),
    };
  }

  /** Puts an AWS-service event on a bus: no source check, no authorization. */
  publish(event: PublishableEvent, busName: string): void {
    const name = this.busNameOf(busName);
    this.requireBus(name);
    this.accept(this.envelope(event), name);
  }

  /** Records an event on its bus and starts delivering it to the targets of every enabled matching rule. */
  accept(event: EventEnvelope, busName: string): void {
    const recorded = this.events.get(busName) ?? [];
    const copy = structuredClone(event);
    recorded.push(copy);
    this.changes.put(recordKeys.event(busName, copy.id), () => recordedEvent(busName, copy));
    if (recorded.length > MAX_RECORDED_PER_BUS) {
      for (const dropped of recorded.splice(0, recorded.length - MAX_RECORDED_PER_BUS)) this.changes.delete(recordKeys.event(busName, dropped.id));
    }
    this.events.set(busName, recorded);
    for (const rule of this.rules.values()) {
      if (rule.busName !== busName || rule.state !== 'ENABLED') continue;
      if (rule.pattern === undefined || !matchesValidatedPattern(rule.pattern, event)) continue;
      for (const target of rule.targets) this.deliveries.schedule(rule.arn, target, event);
    }
  }

  /** Every event accepted on the bus, newest last. */
  recordedEvents(busName: string): EventEnvelope[] {
    return structuredClone(this.events.get(this.busNameOf(busName)) ?? []);
  }

  // ---------------------------------------------------------------- persistence

  snapshot(): EventBridgeSnapshot {
    return structuredClone({
      kind: 'local-eventbridge',
      version: 1,
      buses: [...this.buses.values()],
      rules: [...this.rules.values()],
      events: Object.fromEntries(this.events),
    });
  }

  restore(snapshot: unknown): void {
    const s = snapshot as Partial<EventBridgeSnapshot> | null;
    if (!s || s.kind !== 'local-eventbridge' || s.version !== 1 || !Array.isArray(s.buses) || !Array.isArray(s.rules)) {
      throw new Error('Not a LocalEventBridge snapshot (version 1)');
    }
    const copy = structuredClone(s as EventBridgeSnapshot);
    this.buses = new Map(copy.buses.map((b) => [b.name, b]));
    if (!this.buses.has('default')) this.buses.set('default', { name: 'default', arn: this.busArn('default'), creationTime: this.now() });
    this.rules = new Map(copy.rules.map((r) => [ruleKey(r.busName, r.name), r]));
    this.events = new Map([...this.buses.keys()].map((name) => [name, copy.events?.[name] ?? []]));
    for (const rule of this.rules.values()) this.armSchedule(rule);
  }

  /** Stops every scheduled rule's timer (the cloud is closing). */
  stopSchedules(): void {
    this.scheduler?.stop();
  }

  private ruleChanged(rule: Rule): void {
    this.changes.put(recordKeys.rule(rule.busName, rule.name), () => rule);
    this.armSchedule(rule);
  }

  private armSchedule(rule: Rule): void {
    const { scheduleExpression } = rule;
    this.scheduler?.arm(ruleKey(rule.busName, rule.name), scheduleExpression === undefined ? undefined : { next: scheduleOf(scheduleExpression), since: rule.creationTime });
  }

  /** A scheduled rule's timer fired: its targets get the Scheduled Event, if the rule is still there and enabled. */
  private fireSchedule(key: string, time: number): void {
    const rule = this.rules.get(key);
    if (rule?.scheduleExpression === undefined || rule.state !== 'ENABLED') return;
    const event = scheduledEvent(rule, this.accountId, this.region, time);
    for (const target of rule.targets) this.deliveries.schedule(rule.arn, target, event);
  }

  private mutableRule(busName: string, ruleName: string): Rule {
    const rule = this.rules.get(ruleKey(busName, ruleName));
    if (!rule) {
      throw new AwsServiceError('ResourceNotFoundException', `Rule ${ruleName} does not exist on EventBus ${displayBus(busName)}.`);
    }
    return rule;
  }

  private addBus(name: string, description?: string): Bus {
    const bus: Bus = { name, arn: this.busArn(name), creationTime: this.now() };
    if (description !== undefined) bus.description = description;
    this.buses.set(name, bus);
    this.events.set(name, []);
    this.changes.put(recordKeys.bus(name), () => bus);
    return bus;
  }
}

/** The schedule of an expression, or EventBridge's ValidationException. */
function scheduleOf(expression: string): Schedule {
  try {
    return parseScheduleExpression(expression);
  } catch (error) {
    if (error instanceof ScheduleExpressionError) throw validation(error.message);
    throw error;
  }
}

function ruleKey(busName: string, ruleName: string): string {
  return `${busName}\u0000${ruleName}`;
}
