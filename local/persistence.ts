// The local cloud's state directory: what survives a restart, or a crash (IAM and Organizations,
// EventBridge, Step Functions, SQS queues and their messages, and the deployed stack; DynamoDB
// keeps its own files beside it).
//
// `state.json` holds every record as of the last compaction; `journal-<generation>.ndjson` holds
// the changes since, one JSON line per changed record, appended before the request that made them
// is answered. A start reads the state file and replays its journal over it. An idle cloud writes
// nothing; the journal is folded into a new state file when it outgrows it, at start and at close.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ChangeLog, type DurableService, type RecordChange } from './core/changes.js';
import type { DeployedStack } from './deploy/index.js';
import { eventBridgeRecords } from './events/records.js';
import type { EventBridgeSnapshot } from './events/model.js';
import { iamRecords } from './iam/records.js';
import { parseLocalIamState } from './iam/snapshot.js';
import type { SqsSnapshot } from './sqs/model.js';
import { sqsRecords } from './sqs/records.js';
import { stepFunctionsRecords, type StepFunctionsSnapshot } from './stepfunctions/records.js';

/** Records by service (`iam`, `events`, `sfn`, `sqs`, `cloud`), each by key. */
export type ServiceRecords = Map<string, Map<string, unknown>>;

interface StateFileContent {
  version: 2;
  /** Which journal continues this file. */
  generation: number;
  records: Record<string, RecordChange[]>;
}

/** A state file written before the journal existed: one snapshot per service. */
interface LegacyStateFile {
  version: 1;
  iam?: unknown;
  events?: unknown;
  sfn?: unknown;
  sqs?: unknown;
  stack?: DeployedStack;
}

/** A journal line: the service, the record's key and its value (absent when it was deleted). */
type JournalLine = [service: string, key: string, value?: unknown];

/** The journal is folded into the state file once it is larger than the file and than this. */
const MIN_COMPACTION_BYTES = 8 * 1024 * 1024;

function legacyRecords(state: LegacyStateFile): ServiceRecords {
  const entries: Array<[string, RecordChange[]]> = [
    ['iam', state.iam !== undefined ? iamRecords(parseLocalIamState(state.iam)) : []],
    ['events', state.events !== undefined ? eventBridgeRecords(state.events as EventBridgeSnapshot) : []],
    ['sfn', state.sfn !== undefined ? stepFunctionsRecords(state.sfn as StepFunctionsSnapshot) : []],
    ['sqs', state.sqs !== undefined ? sqsRecords(state.sqs as SqsSnapshot) : []],
    ['cloud', state.stack !== undefined ? [['stack', state.stack]] : []],
  ];
  return new Map(entries.map(([service, records]) => [service, new Map(records)]));
}

/** Journal lines over records; a last line cut short by a crash was never acknowledged, and is skipped. */
function replay(records: ServiceRecords, text: string, path: string): void {
  const lines = text.split('\n');
  const complete = text.endsWith('\n') ? lines.slice(0, -1) : lines;
  complete.forEach((line, index) => {
    let parsed: JournalLine;
    try {
      parsed = JSON.parse(line) as JournalLine;
    } catch (error) {
      if (index === complete.length - 1 && !text.endsWith('\n')) return;
      throw new Error(`${path}:${index + 1} is not a journal line (${error instanceof Error ? error.message : String(error)}); delete the state directory to start fresh`);
    }
    const [service, key, value] = parsed;
    const serviceRecords = records.get(service) ?? new Map<string, unknown>();
    records.set(service, serviceRecords);
    if (parsed.length === 2) serviceRecords.delete(key);
    else serviceRecords.set(key, value);
  });
}

/** The files of a state directory: the state file and the journal that continues it. */
export class StateDirectory {
  readonly statePath: string;
  private generation = 0;
  private journal: number | undefined;
  private journalBytes = 0;
  private stateBytes = 0;

  /** The directory is created when missing. */
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.statePath = join(dir, 'state.json');
  }

  get journalPath(): string {
    return join(this.dir, `journal-${this.generation}.ndjson`);
  }

  /** Every record as the last run left it; undefined for a fresh directory. */
  read(): ServiceRecords | undefined {
    if (!existsSync(this.statePath)) return undefined;
    const parsed = JSON.parse(readFileSync(this.statePath, 'utf8')) as StateFileContent | LegacyStateFile;
    if (parsed.version === 1) return legacyRecords(parsed);
    if (parsed.version !== 2) throw new Error(`${this.statePath} has an unknown state version; delete it to start fresh`);
    this.generation = parsed.generation;
    const records: ServiceRecords = new Map(Object.entries(parsed.records).map(([service, entries]) => [service, new Map(entries)]));
    if (existsSync(this.journalPath)) replay(records, readFileSync(this.journalPath, 'utf8'), this.journalPath);
    return records;
  }

  /** Appends changes to the journal; once this returns, a crash of the process loses none of them. */
  append(lines: JournalLine[]): void {
    if (lines.length === 0) return;
    this.journal ??= openSync(this.journalPath, 'a');
    const bytes = Buffer.from(lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    for (let written = 0; written < bytes.length; ) written += writeSync(this.journal, bytes, written);
    this.journalBytes += bytes.length;
  }

  get outgrown(): boolean {
    return this.journalBytes > Math.max(MIN_COMPACTION_BYTES, this.stateBytes);
  }

  /**
   * Writes every record as the next generation's state file and starts its empty journal. The
   * rename is the commit: a crash before it leaves the previous file and journal, both complete.
   */
  compact(records: Record<string, RecordChange[]>): void {
    const previousJournal = this.journalPath;
    this.closeJournal();
    this.generation += 1;
    const content: StateFileContent = { version: 2, generation: this.generation, records };
    const text = JSON.stringify(content);
    const temporary = `${this.statePath}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.statePath);
    this.stateBytes = statSync(this.statePath).size;
    this.journalBytes = 0;
    rmSync(previousJournal, { force: true });
    // Journals of older generations left by a crash between the rename and the removal.
    for (const name of readdirSync(this.dir)) {
      if (/^journal-\d+\.ndjson$/.test(name) && name !== `journal-${this.generation}.ndjson`) rmSync(join(this.dir, name), { force: true });
    }
  }

  closeJournal(): void {
    if (this.journal !== undefined) closeSync(this.journal);
    this.journal = undefined;
  }
}

/** The deployed stack as a record: what the next start's deploy compares the template with. */
export class StackRecord implements DurableService {
  readonly changes = new ChangeLog();
  stack: DeployedStack | undefined;

  set(stack: DeployedStack): void {
    this.stack = stack;
    this.changes.put('stack', () => stack);
  }

  records(): RecordChange[] {
    return this.stack !== undefined ? [['stack', this.stack]] : [];
  }

  restoreRecords(records: ReadonlyMap<string, unknown>): void {
    this.stack = records.get('stack') as DeployedStack | undefined;
  }
}

/**
 * Keeps a state directory up to date with the services: what a change touched is appended on the
 * next turn, or at once by write() (the endpoint calls it before answering a request).
 */
export class Persistence {
  private scheduled = false;
  private closed = false;
  /** Lines a failed write could not append, tried again first. */
  private unwritten: JournalLine[] = [];

  constructor(
    private readonly directory: StateDirectory,
    private readonly services: Record<string, DurableService>,
    private readonly log: (line: string) => void,
  ) {}

  /** Restores every service from the records of the last run, then writes down each change. */
  start(saved: ServiceRecords | undefined): void {
    for (const [name, service] of Object.entries(this.services)) service.restoreRecords(saved?.get(name) ?? new Map());
    for (const service of Object.values(this.services)) service.changes.track(() => this.schedule());
    this.compact();
  }

  /** Appends every change not written yet (synchronously); folds the journal in when it is large. */
  write(): void {
    if (this.closed) return;
    const lines = [...this.unwritten];
    for (const [name, service] of Object.entries(this.services)) {
      for (const [key, value] of service.changes.take()) lines.push(value === undefined ? [name, key] : [name, key, value]);
    }
    this.unwritten = lines;
    this.directory.append(lines);
    this.unwritten = [];
    if (this.directory.outgrown) this.compact();
  }

  /** A final write and compaction; changes after this are not recorded. */
  close(): void {
    if (this.closed) return;
    this.write();
    this.compact();
    this.closed = true;
    for (const service of Object.values(this.services)) service.changes.untrack();
    this.directory.closeJournal();
  }

  private compact(): void {
    const records: Record<string, RecordChange[]> = {};
    for (const [name, service] of Object.entries(this.services)) {
      service.changes.clear(); // the compacted file holds them
      records[name] = service.records();
    }
    this.directory.compact(records);
    this.unwritten = [];
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      try {
        this.write();
      } catch (error) {
        this.log(`writing the state failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }
}
