// What changed in an emulated service's state since it was last written down: the persistence of
// a local cloud with a state directory writes only these records, before the request that changed
// them is answered, instead of re-serialising every service on a timer.

/** Reads a record's current value when the change is written (so the latest state goes out). */
export type ReadRecord = () => unknown;

/** A change: the record's key, and its value, or undefined when it was deleted. */
export type RecordChange = [key: string, value: unknown];

/**
 * The keys of the records a service changed, until taken. Records nothing until tracking starts,
 * so a cloud kept in memory pays nothing for it.
 */
export class ChangeLog {
  private pending = new Map<string, ReadRecord | undefined>();
  private listener: (() => void) | undefined;

  /** Starts recording changes; `onChange` runs after each one (e.g. to schedule a write). */
  track(onChange: () => void): void {
    this.listener = onChange;
  }

  /** Stops recording and forgets what was not taken. */
  untrack(): void {
    this.listener = undefined;
    this.clear();
  }

  put(key: string, read: ReadRecord): void {
    if (this.listener === undefined) return;
    this.pending.set(key, read);
    this.listener();
  }

  delete(key: string): void {
    if (this.listener === undefined) return;
    this.pending.set(key, undefined);
    this.listener();
  }

  /** Forgets the changes since the last take (e.g. when the whole state is being written). */
  clear(): void {
    this.pending.clear();
  }

  /** The changes since the last call, each record read now. */
  take(): RecordChange[] {
    const changes: RecordChange[] = [...this.pending].map(([key, read]) => [key, read?.()]);
    this.pending = new Map();
    return changes;
  }
}

/** A service whose state persists as records: what a state directory holds of it. */
export interface DurableService {
  readonly changes: ChangeLog;
  /** Every record of the current state, for a compacted state file. */
  records(): RecordChange[];
  /** Replaces the state with the one these records describe. */
  restoreRecords(records: ReadonlyMap<string, unknown>): void;
}
