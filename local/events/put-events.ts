// PutEvents as a customer calls it: request limits, authorization of events:PutEvents on each bus,
// then per-entry validation (a bad entry fails alone, with its own error code) and acceptance.
import type { Authorize, CallerIdentity } from '../core/types.js';
import { displayBus, eventTime, validation, type EventBridgeModel, type EventEnvelope } from './model.js';

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

const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

export function putEvents(model: EventBridgeModel, authorize: Authorize, entries: PutEventsEntry[], caller: CallerIdentity | undefined): PutEventsResult {
  checkRequest(entries);
  // Authorization is decided per bus before anything is accepted: a denied bus fails the request.
  const busNames = entries.map((e) => model.busNameOf(e?.EventBusName));
  for (const name of new Set(busNames)) authorize(caller, 'events:PutEvents', model.putEventsResourceOf(name));

  const results: PutEventsResultEntry[] = [];
  const accepted: { event: EventEnvelope; busName: string }[] = [];
  entries.forEach((entry, i) => {
    const busName = busNames[i] as string;
    const failure = checkEntry(entry, busName, model);
    if (failure) {
      results.push(failure);
      return;
    }
    const time = entryTime(entry.Time);
    const event = model.envelope({
      'detail-type': entry.DetailType as string,
      source: entry.Source as string,
      detail: JSON.parse(entry.Detail as string) as Record<string, unknown>,
      resources: entry.Resources ?? [],
      ...(caller !== undefined ? { account: caller.accountId } : {}),
      ...(time !== undefined ? { time: eventTime(time) } : {}),
    });
    results.push({ EventId: event.id });
    accepted.push({ event, busName });
  });
  for (const { event, busName } of accepted) model.accept(event, busName);
  return { FailedEntryCount: results.filter((r) => r.ErrorCode !== undefined).length, Entries: results };
}

/** Limits that fail the whole request. */
function checkRequest(entries: PutEventsEntry[]): void {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw validation("1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1");
  }
  if (entries.length > MAX_ENTRIES) {
    throw validation(`1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`);
  }
  const total = entries.reduce((sum, e) => sum + entrySize(e), 0);
  if (total > MAX_REQUEST_BYTES) throw validation('Total size of the entries in the request is over the limit.');
}

/** The per-entry error of an entry that cannot be accepted, in the order EventBridge checks. */
function checkEntry(entry: PutEventsEntry | undefined, busName: string, model: EventBridgeModel): PutEventsResultEntry | undefined {
  const argument = (name: string, reason: string): PutEventsResultEntry => ({
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${name} is not valid. Reason: ${reason}`,
  });
  if (entry === null || typeof entry !== 'object') return argument('Entry', 'Entry must be an object.');
  if (typeof entry.Source !== 'string' || entry.Source === '') return argument('Source', 'Source is a required argument.');
  if (typeof entry.DetailType !== 'string' || entry.DetailType === '') return argument('DetailType', 'DetailType is a required argument.');
  if (typeof entry.Detail !== 'string' || entry.Detail === '') return argument('Detail', 'Detail is a required argument.');
  if (entry.Resources !== undefined && (!Array.isArray(entry.Resources) || !entry.Resources.every((r) => typeof r === 'string'))) {
    return argument('Resources', 'Resources must be a list of strings.');
  }
  if (entry.Time !== undefined && entryTime(entry.Time) === undefined) return argument('Time', 'Time is not a valid timestamp.');
  if (!isJsonObject(entry.Detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  // Only AWS services emit aws.* sources; customers get this per-entry refusal.
  if (entry.Source.startsWith('aws.')) return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  if (!model.hasBus(busName)) return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${displayBus(busName)} does not exist.` };
  return undefined;
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value);
  } catch {
    return false;
  }
}

function utf8Bytes(s: unknown): number {
  return typeof s === 'string' ? Buffer.byteLength(s, 'utf8') : 0;
}

/** Size of an entry as EventBridge counts it (Time 14 bytes, then the UTF-8 strings). */
function entrySize(entry: PutEventsEntry | undefined): number {
  if (!entry || typeof entry !== 'object') return 0;
  let size = entry.Time !== undefined ? 14 : 0;
  size += utf8Bytes(entry.Source) + utf8Bytes(entry.DetailType) + utf8Bytes(entry.Detail);
  if (Array.isArray(entry.Resources)) for (const r of entry.Resources) size += utf8Bytes(r);
  return size;
}

/** Entry Time: epoch seconds on the JSON wire, a Date or an ISO string from the control plane. */
function entryTime(time: PutEventsEntry['Time']): number | undefined {
  if (time === undefined) return undefined;
  const ms = time instanceof Date ? time.getTime() : typeof time === 'number' ? time * 1000 : Date.parse(time);
  return Number.isFinite(ms) ? ms : undefined;
}
