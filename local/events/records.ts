// EventBridge state as persisted records, one per bus, rule and recorded event: accepting an event
// writes that event alone, not the bus's whole archive.
import type { RecordChange } from '../core/changes.js';
import type { Bus, EventBridgeSnapshot, EventEnvelope, Rule } from './model.js';

/** A recorded event with the bus it was accepted on. */
interface RecordedEvent {
  bus: string;
  event: EventEnvelope;
}

// A space separates names: neither bus names, rule names nor event ids contain one.
export const recordKeys = {
  bus: (name: string) => `bus/${name}`,
  rule: (busName: string, ruleName: string) => `rule/${busName} ${ruleName}`,
  event: (busName: string, eventId: string) => `event/${busName} ${eventId}`,
};

export function recordedEvent(bus: string, event: EventEnvelope): RecordedEvent {
  return { bus, event };
}

/** The records of an EventBridge snapshot. */
export function eventBridgeRecords(snapshot: EventBridgeSnapshot): RecordChange[] {
  return [
    ...snapshot.buses.map((bus): RecordChange => [recordKeys.bus(bus.name), bus]),
    ...snapshot.rules.map((rule): RecordChange => [recordKeys.rule(rule.busName, rule.name), rule]),
    ...Object.entries(snapshot.events).flatMap(([bus, events]) =>
      events.map((event): RecordChange => [recordKeys.event(bus, event.id), recordedEvent(bus, event)]),
    ),
  ];
}

/** The EventBridge snapshot that records describe, recorded events in the order they were accepted. */
export function eventBridgeStateOf(records: ReadonlyMap<string, unknown>): EventBridgeSnapshot {
  const snapshot: EventBridgeSnapshot = { kind: 'local-eventbridge', version: 1, buses: [], rules: [], events: {} };
  for (const [key, value] of records) {
    const kind = key.split('/', 1)[0];
    if (kind === 'bus') snapshot.buses.push(value as Bus);
    else if (kind === 'rule') snapshot.rules.push(value as Rule);
    else if (kind === 'event') {
      const { bus, event } = value as RecordedEvent;
      (snapshot.events[bus] ??= []).push(event);
    }
  }
  return snapshot;
}
