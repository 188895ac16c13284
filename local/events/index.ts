// Local EventBridge: event buses, rules with content filtering and targets, behind the JSON 1.1
// protocol (X-Amz-Target: AWSEvents.<Action>) so the real SDK client talks to it unchanged.
// Deliveries are handed to `deliver` (the local cloud invokes Lambda targets); they run after
// PutEvents has answered, and failures are retried briefly, logged and swallowed, as EventBridge does.
import { randomUUID } from 'node:crypto';
import { asAwsError, jsonError, jsonResponse } from '../core/protocol.js';
import { AwsServiceError, type Authorize, type AwsRequest, type AwsResponse, type CallerIdentity } from '../core/types.js';
import { matchesValidatedPattern, parsePattern, validatePattern } from './pattern.js';

export { matchesPattern, validatePattern } from './pattern.js';

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

/** One PutEvents request entry (the API's shape; Time is epoch seconds on the wire). */
export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: Date | number | string;
  TraceHeader?: string;
}

export interface PutEventsResultEntry {
  EventId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

export interface RuleTarget {
  id: string;
  arn: string;
  roleArn?: string;
  input?: string;
}

export type Deliver = (target: { arn: string; roleArn?: string; input?: string }, event: EventEnvelope) => Promise<void>;

export interface LocalEventBridgeOptions {
  accountId: string;
  region: string;
  authorize: Authorize;
  deliver: Deliver;
  now?: () => number;
  /** Delivery attempts per target (first try included) and the base backoff, doubled per retry. */
  retry?: { attempts?: number; baseDelayMs?: number };
}

/** An AWS-service event (e.g. from the Organizations emulator): envelope fields default as AWS fills them. */
export type PublishableEvent = Pick<EventEnvelope, 'source' | 'detail-type' | 'detail'> & Partial<EventEnvelope>;

export interface PutRuleInput {
  name: string;
  eventBusName?: string;
  eventPattern: unknown;
  state?: RuleState;
  description?: string;
  targets: RuleTarget[];
}

type RuleState = 'ENABLED' | 'DISABLED';

interface Bus {
  name: string;
  arn: string;
  description?: string;
  creationTime: number;
}

interface Rule {
  name: string;
  arn: string;
  busName: string;
  pattern: Record<string, unknown>;
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

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
const MAX_TARGETS_PER_RULE = 5;
const MAX_PATTERN_CHARS = 4096;
/** Recorded events kept per bus, so a long-running local cloud does not grow without bound. */
const MAX_RECORDED_PER_BUS = 10_000;
const NAME_RE = /^[.\-_A-Za-z0-9]{1,64}$/;
const BUS_NAME_RE = /^[/.\-_A-Za-z0-9]{1,256}$/;

/** ISO 8601 in whole seconds, as EventBridge writes `time`. */
export function eventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function validation(message: string): AwsServiceError {
  return new AwsServiceError('ValidationException', message);
}

function utf8Bytes(s: string | undefined): number {
  return s === undefined ? 0 : Buffer.byteLength(s, 'utf8');
}

function optionalString(params: Record<string, unknown>, key: string): string | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validation(`Parameter ${key} must be a string.`);
  return value;
}

function requiredString(params: Record<string, unknown>, key: string): string {
  const value = optionalString(params, key);
  if (value === undefined || value === '') {
    throw validation(`1 validation error detected: Value null at '${key.charAt(0).toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

export class LocalEventBridge {
  readonly accountId: string;
  readonly region: string;
  private readonly authorize: Authorize;
  private readonly deliver: Deliver;
  private readonly now: () => number;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private buses = new Map<string, Bus>();
  private rules = new Map<string, Rule>();
  private events = new Map<string, EventEnvelope[]>();
  private readonly pending = new Set<Promise<void>>();

  constructor(options: LocalEventBridgeOptions) {
    this.accountId = options.accountId;
    this.region = options.region;
    this.authorize = options.authorize;
    this.deliver = options.deliver;
    this.now = options.now ?? Date.now;
    this.attempts = Math.max(1, options.retry?.attempts ?? 3);
    this.baseDelayMs = Math.max(0, options.retry?.baseDelayMs ?? 100);
    this.addBus('default');
  }

  // ---------------------------------------------------------------- ARNs and lookups

  busArn(name: string): string {
    return `arn:aws:events:${this.region}:${this.accountId}:event-bus/${name}`;
  }

  ruleArn(busName: string, ruleName: string): string {
    const path = busName === 'default' ? ruleName : `${busName}/${ruleName}`;
    return `arn:aws:events:${this.region}:${this.accountId}:rule/${path}`;
  }

  /** A bus name from a name or an event-bus ARN (another account's or region's ARN names no local bus). */
  private busNameOf(nameOrArn: string | undefined): string {
    if (nameOrArn === undefined || nameOrArn === '') return 'default';
    if (!nameOrArn.startsWith('arn:')) return nameOrArn;
    const match = /^arn:[^:]+:events:([^:]*):([^:]*):event-bus\/(.+)$/.exec(nameOrArn);
    if (!match) throw validation(`Parameter EventBusName is not valid: ${nameOrArn}`);
    const [, region, account, name] = match as unknown as [string, string, string, string];
    if (region !== this.region || account !== this.accountId) return `\u0000foreign:${nameOrArn}`;
    return name;
  }

  private requireBus(name: string): Bus {
    const bus = this.buses.get(name);
    if (!bus) throw new AwsServiceError('ResourceNotFoundException', `Event bus ${displayBus(name)} does not exist.`);
    return bus;
  }

  private ruleKey(busName: string, ruleName: string): string {
    return `${busName}\u0000${ruleName}`;
  }

  private requireRule(busName: string, ruleName: string): Rule {
    const rule = this.rules.get(this.ruleKey(busName, ruleName));
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
    return bus;
  }

  // ---------------------------------------------------------------- control plane

  /** Creates a custom bus ('default' exists from the start). */
  createEventBus(name: string, description?: string): { arn: string } {
    if (!BUS_NAME_RE.test(name)) throw validation(`Event bus name ${name} is not valid.`);
    if (this.buses.has(name)) throw new AwsServiceError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    return { arn: this.addBus(name, description).arn };
  }

  /** Creates or replaces a rule together with its targets. */
  putRule(input: PutRuleInput): { arn: string } {
    const busName = this.busNameOf(input.eventBusName);
    this.requireBus(busName);
    const pattern = typeof input.eventPattern === 'string' ? parsePattern(input.eventPattern) : input.eventPattern;
    validatePattern(pattern);
    if (!NAME_RE.test(input.name)) throw validation(`Rule name ${input.name} is not valid.`);
    if (input.targets.length > MAX_TARGETS_PER_RULE) {
      throw new AwsServiceError('LimitExceededException', 'The requested resource exceeds the maximum number allowed.');
    }
    const key = this.ruleKey(busName, input.name);
    const rule: Rule = {
      name: input.name,
      arn: this.ruleArn(busName, input.name),
      busName,
      pattern: structuredClone(pattern as Record<string, unknown>),
      state: input.state ?? 'ENABLED',
      targets: input.targets.map((t) => ({ ...t })),
      creationTime: this.rules.get(key)?.creationTime ?? this.now(),
    };
    if (input.description !== undefined) rule.description = input.description;
    this.rules.set(key, rule);
    return { arn: rule.arn };
  }

  /**
   * PutEvents as a customer calls it: validates entries one by one (per-entry error codes),
   * authorizes events:PutEvents on each bus, records accepted events and routes them to rules.
   */
  async putEvents(entries: PutEventsEntry[], caller?: CallerIdentity): Promise<PutEventsResult> {
    if (!Array.isArray(entries) || entries.length === 0) {
      throw validation("1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1");
    }
    if (entries.length > MAX_ENTRIES) {
      throw validation(`1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`);
    }
    const total = entries.reduce((sum, e) => sum + entrySize(e), 0);
    if (total > MAX_REQUEST_BYTES) throw validation('Total size of the entries in the request is over the limit.');

    // Authorization is decided per bus before anything is accepted: a denied bus fails the request.
    const busNames = entries.map((e) => this.busNameOf(e?.EventBusName));
    for (const name of new Set(busNames)) {
      this.authorize(caller, 'events:PutEvents', name.startsWith('\u0000foreign:') ? name.slice(9) : this.busArn(name));
    }

    const results: PutEventsResultEntry[] = [];
    const accepted: { event: EventEnvelope; busName: string }[] = [];
    entries.forEach((entry, i) => {
      const busName = busNames[i] as string;
      const failure = this.checkEntry(entry, busName);
      if (failure) {
        results.push(failure);
        return;
      }
      const event: EventEnvelope = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType as string,
        source: entry.Source as string,
        account: caller?.accountId ?? this.accountId,
        time: eventTime(entryTime(entry.Time) ?? this.now()),
        region: this.region,
        resources: [...(entry.Resources ?? [])],
        detail: JSON.parse(entry.Detail as string) as Record<string, unknown>,
      };
      results.push({ EventId: event.id });
      accepted.push({ event, busName });
    });
    for (const { event, busName } of accepted) this.accept(event, busName);
    return { FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results };
  }

  private checkEntry(entry: PutEventsEntry | undefined, busName: string): PutEventsResultEntry | undefined {
    const argument = (name: string, reason: string): PutEventsResultEntry => ({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: `Parameter ${name} is not valid. Reason: ${reason}`,
    });
    if (entry === null || typeof entry !== 'object') return argument('Entry', 'Entry must be an object.');
    if (typeof entry.Source !== 'string' || entry.Source === '') return argument('Source', 'Source is a required argument.');
    if (typeof entry.DetailType !== 'string' || entry.DetailType === '') {
      return argument('DetailType', 'DetailType is a required argument.');
    }
    if (typeof entry.Detail !== 'string' || entry.Detail === '') return argument('Detail', 'Detail is a required argument.');
    if (entry.Resources !== undefined && (!Array.isArray(entry.Resources) || !entry.Resources.every((r) => typeof r === 'string'))) {
      return argument('Resources', 'Resources must be a list of strings.');
    }
    if (entry.Time !== undefined && entryTime(entry.Time) === undefined) return argument('Time', 'Time is not a valid timestamp.');
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    // Only AWS services emit aws.* sources; customers get this per-entry refusal.
    if (entry.Source.startsWith('aws.')) {
      return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    }
    if (!this.buses.has(busName)) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${displayBus(busName)} does not exist.` };
    }
    return undefined;
  }

  /** Puts an AWS-service event (already an envelope) on a bus: no source check, no authorization. */
  async publish(event: PublishableEvent, busName = 'default'): Promise<void> {
    const name = this.busNameOf(busName);
    this.requireBus(name);
    const envelope: EventEnvelope = {
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
    this.accept(envelope, name);
  }

  /** Every event accepted on the bus (default: 'default'), newest last. */
  recordedEvents(busName = 'default'): EventEnvelope[] {
    return structuredClone(this.events.get(this.busNameOf(busName)) ?? []);
  }

  /** Resolves once every delivery started so far (retries included) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

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
    this.rules = new Map(copy.rules.map((r) => [this.ruleKey(r.busName, r.name), r]));
    this.events = new Map([...this.buses.keys()].map((name) => [name, copy.events?.[name] ?? []]));
  }

  // ---------------------------------------------------------------- routing and delivery

  private accept(event: EventEnvelope, busName: string): void {
    const recorded = this.events.get(busName) ?? [];
    recorded.push(structuredClone(event));
    if (recorded.length > MAX_RECORDED_PER_BUS) recorded.splice(0, recorded.length - MAX_RECORDED_PER_BUS);
    this.events.set(busName, recorded);
    for (const rule of this.rules.values()) {
      if (rule.busName !== busName || rule.state !== 'ENABLED') continue;
      if (!matchesValidatedPattern(rule.pattern, event)) continue;
      for (const target of rule.targets) this.schedule(rule, target, event);
    }
  }

  private schedule(rule: Rule, target: RuleTarget, event: EventEnvelope): void {
    const delivery: { arn: string; roleArn?: string; input?: string } = { arn: target.arn };
    if (target.roleArn !== undefined) delivery.roleArn = target.roleArn;
    if (target.input !== undefined) delivery.input = target.input;
    // setImmediate: PutEvents answers before any target runs, as with the real asynchronous bus.
    const run = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.deliverWithRetry(rule, target, delivery, event));
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  private async deliverWithRetry(
    rule: Rule,
    target: RuleTarget,
    delivery: { arn: string; roleArn?: string; input?: string },
    event: EventEnvelope,
  ): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.deliver(delivery, structuredClone(event));
        return;
      } catch (error) {
        if (attempt >= this.attempts) {
          const message = error instanceof Error ? error.message : String(error);
          console.warn(
            `[events] rule ${rule.arn} target ${target.id} (${target.arn}): delivery of event ${event.id} failed after ${attempt} attempt(s): ${message}`,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.baseDelayMs * 2 ** (attempt - 1)));
      }
    }
  }

  // ---------------------------------------------------------------- wire protocol

  async handle(req: AwsRequest): Promise<AwsResponse> {
    try {
      return jsonResponse(await this.dispatch(req.action, req.params ?? {}, req.caller));
    } catch (error) {
      return jsonError(asAwsError(error));
    }
  }

  private async dispatch(action: string, params: Record<string, unknown>, caller: CallerIdentity | undefined): Promise<unknown> {
    switch (action) {
      case 'PutEvents': {
        if (params['Entries'] !== undefined && !Array.isArray(params['Entries'])) throw validation('Entries must be a list.');
        return this.putEvents((params['Entries'] ?? []) as PutEventsEntry[], caller);
      }
      case 'CreateEventBus': {
        const name = requiredString(params, 'Name');
        if (params['EventSourceName'] !== undefined) throw validation('Partner event buses are not supported by the local cloud.');
        this.authorize(caller, 'events:CreateEventBus', this.busArn(name));
        return { EventBusArn: this.createEventBus(name, optionalString(params, 'Description')).arn };
      }
      case 'DeleteEventBus': {
        const name = this.busNameOf(requiredString(params, 'Name'));
        this.authorize(caller, 'events:DeleteEventBus', this.busArn(name));
        if (name === 'default') throw validation('Cannot delete event bus default.');
        if (this.buses.delete(name)) {
          this.events.delete(name);
          for (const [key, rule] of this.rules) if (rule.busName === name) this.rules.delete(key);
        }
        return {};
      }
      case 'DescribeEventBus': {
        const name = this.busNameOf(optionalString(params, 'Name'));
        this.authorize(caller, 'events:DescribeEventBus', this.busArn(name));
        const bus = this.requireBus(name);
        return {
          Name: bus.name,
          Arn: bus.arn,
          ...(bus.description !== undefined ? { Description: bus.description } : {}),
          CreationTime: bus.creationTime / 1000,
        };
      }
      case 'ListEventBuses': {
        this.authorize(caller, 'events:ListEventBuses', '*');
        const prefix = optionalString(params, 'NamePrefix') ?? '';
        const buses = [...this.buses.values()].filter((b) => b.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
        return page(params, buses, (b) => ({ Name: b.name, Arn: b.arn, CreationTime: b.creationTime / 1000 }), 'EventBuses');
      }
      case 'PutRule': {
        const name = requiredString(params, 'Name');
        const busName = this.busNameOf(optionalString(params, 'EventBusName'));
        this.authorize(caller, 'events:PutRule', this.ruleArn(busName, name));
        if (params['ScheduleExpression'] !== undefined) {
          throw validation('ScheduleExpression rules are not supported by the local cloud (nothing would ever fire them).');
        }
        const patternText = optionalString(params, 'EventPattern');
        if (patternText === undefined) throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
        if (patternText.length > MAX_PATTERN_CHARS) throw validation(`EventPattern must be at most ${MAX_PATTERN_CHARS} characters.`);
        const pattern = parsePattern(patternText);
        const state = optionalString(params, 'State') ?? 'ENABLED';
        if (state !== 'ENABLED' && state !== 'DISABLED') throw validation(`State ${state} is not valid.`);
        this.requireBus(busName);
        const existing = this.rules.get(this.ruleKey(busName, name));
        const description = optionalString(params, 'Description') ?? existing?.description;
        // PutRule updates a rule in place: its targets stay.
        return {
          RuleArn: this.putRule({
            name,
            eventBusName: busName,
            eventPattern: pattern,
            state,
            targets: existing?.targets ?? [],
            ...(description !== undefined ? { description } : {}),
          }).arn,
        };
      }
      case 'DescribeRule': {
        const name = requiredString(params, 'Name');
        const busName = this.busNameOf(optionalString(params, 'EventBusName'));
        this.authorize(caller, 'events:DescribeRule', this.ruleArn(busName, name));
        return describeRule(this.requireRule(busName, name));
      }
      case 'ListRules': {
        const busName = this.busNameOf(optionalString(params, 'EventBusName'));
        this.authorize(caller, 'events:ListRules', '*');
        this.requireBus(busName);
        const prefix = optionalString(params, 'NamePrefix') ?? '';
        const rules = [...this.rules.values()]
          .filter((r) => r.busName === busName && r.name.startsWith(prefix))
          .sort((a, b) => a.name.localeCompare(b.name));
        return page(params, rules, describeRule, 'Rules');
      }
      case 'PutTargets':
        return this.putTargetsApi(params, caller);
      case 'ListTargetsByRule': {
        const ruleName = requiredString(params, 'Rule');
        const busName = this.busNameOf(optionalString(params, 'EventBusName'));
        this.authorize(caller, 'events:ListTargetsByRule', this.ruleArn(busName, ruleName));
        const rule = this.requireRule(busName, ruleName);
        return page(params, rule.targets, targetToWire, 'Targets');
      }
      case 'RemoveTargets': {
        const ruleName = requiredString(params, 'Rule');
        const busName = this.busNameOf(optionalString(params, 'EventBusName'));
        this.authorize(caller, 'events:RemoveTargets', this.ruleArn(busName, ruleName));
        const rule = this.requireRule(busName, ruleName);
        const ids = params['Ids'];
        if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
          throw validation('Ids must be a non-empty list of target ids.');
        }
        rule.targets = rule.targets.filter((t) => !ids.includes(t.id));
        return { FailedEntryCount: 0, FailedEntries: [] };
      }
      case 'DeleteRule': {
        const name = requiredString(params, 'Name');
        const busName = this.busNameOf(optionalString(params, 'EventBusName'));
        this.authorize(caller, 'events:DeleteRule', this.ruleArn(busName, name));
        const rule = this.rules.get(this.ruleKey(busName, name));
        if (rule && rule.targets.length > 0) throw validation("Rule can't be deleted since it has targets.");
        this.rules.delete(this.ruleKey(busName, name));
        return {};
      }
      case 'EnableRule':
      case 'DisableRule': {
        const name = requiredString(params, 'Name');
        const busName = this.busNameOf(optionalString(params, 'EventBusName'));
        this.authorize(caller, `events:${action}`, this.ruleArn(busName, name));
        this.requireRule(busName, name).state = action === 'EnableRule' ? 'ENABLED' : 'DISABLED';
        return {};
      }
      case 'TestEventPattern': {
        this.authorize(caller, 'events:TestEventPattern', '*');
        const pattern = parsePattern(requiredString(params, 'EventPattern'));
        const event = parseTestEvent(requiredString(params, 'Event'));
        return { Result: matchesValidatedPattern(pattern, event) };
      }
      default:
        throw new AwsServiceError('UnknownOperationException', `Operation ${action} is not supported by the local EventBridge.`);
    }
  }

  private putTargetsApi(params: Record<string, unknown>, caller: CallerIdentity | undefined): unknown {
    const ruleName = requiredString(params, 'Rule');
    const busName = this.busNameOf(optionalString(params, 'EventBusName'));
    this.authorize(caller, 'events:PutTargets', this.ruleArn(busName, ruleName));
    const rule = this.requireRule(busName, ruleName);
    const targets = params['Targets'];
    if (!Array.isArray(targets) || targets.length === 0 || targets.length > 10) {
      throw validation('Targets must be a list of 1 to 10 targets.');
    }
    const next = new Map(rule.targets.map((t) => [t.id, t]));
    const failed: { TargetId?: string; ErrorCode: string; ErrorMessage: string }[] = [];
    for (const raw of targets as Record<string, unknown>[]) {
      const id = raw?.['Id'];
      const arn = raw?.['Arn'];
      if (typeof id !== 'string' || !NAME_RE.test(id) || typeof arn !== 'string' || !arn.startsWith('arn:')) {
        failed.push({
          ...(typeof id === 'string' ? { TargetId: id } : {}),
          ErrorCode: 'ValidationException',
          ErrorMessage: 'A target needs a valid Id and Arn.',
        });
        continue;
      }
      // Input shaping other than a constant Input is not emulated: refuse rather than deliver the wrong payload.
      const unsupported = ['InputPath', 'InputTransformer', 'SqsParameters', 'HttpParameters', 'RetryPolicy', 'DeadLetterConfig'].find(
        (k) => raw[k] !== undefined,
      );
      if (unsupported) throw validation(`Target ${id}: ${unsupported} is not supported by the local cloud.`);
      const target: RuleTarget = { id, arn };
      if (typeof raw['RoleArn'] === 'string') target.roleArn = raw['RoleArn'];
      if (typeof raw['Input'] === 'string') {
        try {
          JSON.parse(raw['Input']);
        } catch {
          throw validation(`Target ${id}: Input is not valid JSON text.`);
        }
        target.input = raw['Input'];
      }
      next.set(id, target);
    }
    if (next.size > MAX_TARGETS_PER_RULE) {
      throw new AwsServiceError('LimitExceededException', 'The requested resource exceeds the maximum number allowed.');
    }
    rule.targets = [...next.values()];
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  }
}

function displayBus(name: string): string {
  return name.startsWith('\u0000foreign:') ? name.slice(9) : name;
}

/** Size of an entry as EventBridge counts it (Time 14 bytes, then the UTF-8 strings). */
function entrySize(entry: PutEventsEntry | undefined): number {
  if (!entry || typeof entry !== 'object') return 0;
  let size = entry.Time !== undefined ? 14 : 0;
  size += utf8Bytes(typeof entry.Source === 'string' ? entry.Source : undefined);
  size += utf8Bytes(typeof entry.DetailType === 'string' ? entry.DetailType : undefined);
  size += utf8Bytes(typeof entry.Detail === 'string' ? entry.Detail : undefined);
  if (Array.isArray(entry.Resources)) for (const r of entry.Resources) size += utf8Bytes(typeof r === 'string' ? r : undefined);
  return size;
}

/** Entry Time: epoch seconds on the JSON wire, a Date or an ISO string from the control plane. */
function entryTime(time: PutEventsEntry['Time']): number | undefined {
  if (time === undefined) return undefined;
  const ms = time instanceof Date ? time.getTime() : typeof time === 'number' ? time * 1000 : Date.parse(time);
  return Number.isFinite(ms) ? ms : undefined;
}

function describeRule(rule: Rule): Record<string, unknown> {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventPattern: JSON.stringify(rule.pattern),
    State: rule.state,
    EventBusName: rule.busName,
    ...(rule.description !== undefined ? { Description: rule.description } : {}),
  };
}

function targetToWire(target: RuleTarget): Record<string, unknown> {
  return {
    Id: target.id,
    Arn: target.arn,
    ...(target.roleArn !== undefined ? { RoleArn: target.roleArn } : {}),
    ...(target.input !== undefined ? { Input: target.input } : {}),
  };
}

/** Limit / NextToken paging: the token is the offset of the next item. */
function page<T>(params: Record<string, unknown>, items: T[], map: (item: T) => unknown, key: string): Record<string, unknown> {
  const limit = typeof params['Limit'] === 'number' && params['Limit'] > 0 ? Math.min(params['Limit'], 100) : 100;
  const token = params['NextToken'];
  const start = typeof token === 'string' && /^\d+$/.test(token) ? Number(token) : 0;
  const slice = items.slice(start, start + limit);
  const result: Record<string, unknown> = { [key]: slice.map(map) };
  if (start + limit < items.length) result['NextToken'] = String(start + limit);
  return result;
}

const TEST_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'] as const;

/** TestEventPattern requires a full envelope, as AWS does. */
function parseTestEvent(text: string): Record<string, unknown> {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    throw validation('Parameter Event is not valid. Reason: Event is not valid JSON.');
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw validation('Parameter Event is not valid. Reason: Event must be a JSON object.');
  }
  const missing = TEST_EVENT_FIELDS.filter((f) => typeof (event as Record<string, unknown>)[f] !== 'string');
  if (missing.length > 0) {
    throw validation(`Parameter Event is not valid. Reason: Provided Event is missing required field(s): ${missing.join(', ')}.`);
  }
  return event as Record<string, unknown>;
}
