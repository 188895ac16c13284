import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeLog, type DurableService, type RecordChange } from '../../local/core/changes.js';
import { Persistence, StateDirectory } from '../../local/persistence.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'state-directory-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A service of plain records, changed by put/remove. */
class Notes implements DurableService {
  readonly changes = new ChangeLog();
  readonly notes = new Map<string, { text: string }>();

  put(key: string, text: string): void {
    const note = { text };
    this.notes.set(key, note);
    this.changes.put(key, () => note);
  }

  remove(key: string): void {
    this.notes.delete(key);
    this.changes.delete(key);
  }

  records(): RecordChange[] {
    return [...this.notes];
  }

  restoreRecords(records: ReadonlyMap<string, unknown>): void {
    this.notes.clear();
    for (const [key, value] of records) this.notes.set(key, value as { text: string });
  }
}

function asObject(records: Map<string, Map<string, unknown>> | undefined): Record<string, Record<string, unknown>> {
  return Object.fromEntries([...(records ?? new Map<string, Map<string, unknown>>())].map(([service, entries]) => [service, Object.fromEntries(entries)]));
}

describe('StateDirectory', () => {
  it('reads nothing from a directory it creates, then the records of its compacted state file', () => {
    // Prepare
    const directory = new StateDirectory(join(dir, 'nested', '.local'));
    // Act
    const fresh = directory.read();
    directory.compact({ notes: [['a', { text: 'first' }]] });
    const read = new StateDirectory(join(dir, 'nested', '.local')).read();
    // Assess
    expect(fresh).toBeUndefined();
    expect(asObject(read)).toEqual({ notes: { a: { text: 'first' } } });
    expect(directory.statePath).toBe(join(dir, 'nested', '.local', 'state.json'));
  });

  it('replays the journal over the state file: the last change of a record wins, a deletion removes it', () => {
    // Prepare
    const directory = new StateDirectory(dir);
    directory.compact({ notes: [['a', { text: 'first' }], ['b', { text: 'kept' }]] });
    // Act
    directory.append([['notes', 'a', { text: 'second' }], ['notes', 'c', { text: 'new' }]]);
    directory.append([['notes', 'a', { text: 'third' }], ['notes', 'c'], ['other', 'x', { text: 'another service' }]]);
    const read = new StateDirectory(dir).read();
    // Assess
    expect(asObject(read)).toEqual({ notes: { a: { text: 'third' }, b: { text: 'kept' } }, other: { x: { text: 'another service' } } });
  });

  it('skips a last journal line that a crash cut short, as it was never acknowledged', () => {
    // Prepare
    const directory = new StateDirectory(dir);
    directory.compact({ notes: [] });
    directory.append([['notes', 'a', { text: 'complete' }]]);
    appendFileSync(directory.journalPath, '["notes","b",{"te');
    // Act
    const read = new StateDirectory(dir).read();
    // Assess
    expect(asObject(read)).toEqual({ notes: { a: { text: 'complete' } } });
  });

  it('refuses a damaged journal line before the last one instead of skipping changes', () => {
    // Prepare
    const directory = new StateDirectory(dir);
    directory.compact({ notes: [] });
    appendFileSync(directory.journalPath, 'garbage\n["notes","a",{"text":"after"}]\n');
    // Act
    const read = () => new StateDirectory(dir).read();
    // Assess
    expect(read).toThrow(/journal-1\.ndjson:1 is not a journal line/);
  });

  it('compacts into the next generation: a new state file, and the journal it replaces removed', () => {
    // Prepare
    const directory = new StateDirectory(dir);
    directory.compact({ notes: [['a', { text: 'first' }]] });
    directory.append([['notes', 'a', { text: 'second' }]]);
    // Act
    directory.compact({ notes: [['a', { text: 'second' }]] });
    const files = readdirSync(dir).sort();
    const content = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as unknown;
    // Assess
    expect(files).toEqual(['state.json']);
    expect(content).toEqual({ version: 2, generation: 2, records: { notes: [['a', { text: 'second' }]] } });
  });

  it('reads a state file of the first format (one snapshot per service) as records', () => {
    // Prepare
    const stack = { stackName: 'Old', resources: {} };
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ version: 1, stack }));
    // Act
    const read = new StateDirectory(dir).read();
    // Assess
    expect(asObject(read)).toEqual({ iam: {}, events: {}, sfn: {}, sqs: {}, cloud: { stack } });
  });

  it('reads the SQS snapshot of a first-format state file as one record per queue and per message', () => {
    // Prepare
    const message = { messageId: 'b1946ac9-2f4c-4c5e-9b6a-1a2b3c4d5e6f', body: 'kept', md5OfBody: 'x', messageAttributes: {}, senderId: 'AIDA', sentTimestamp: 1, visibleAt: 1, receiveCount: 0 };
    const queue = { name: 'dlq', accountId: '000000000000', arn: 'arn:aws:sqs:us-east-1:000000000000:dlq', attributes: {}, tags: {}, createdTimestamp: 1, lastModifiedTimestamp: 1 };
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ version: 1, sqs: { kind: 'local-sqs', version: 1, queues: [{ ...queue, messages: [message] }] } }));
    // Act
    const read = new StateDirectory(dir).read();
    // Assess
    expect(asObject(read).sqs).toEqual({
      'queue/arn:aws:sqs:us-east-1:000000000000:dlq': queue,
      'message/arn:aws:sqs:us-east-1:000000000000:dlq b1946ac9-2f4c-4c5e-9b6a-1a2b3c4d5e6f': { queueArn: 'arn:aws:sqs:us-east-1:000000000000:dlq', message },
    });
  });

  it('refuses a state file of another version instead of misreading it', () => {
    // Prepare
    writeFileSync(join(dir, 'state.json'), JSON.stringify({ version: 3 }));
    // Act
    const read = () => new StateDirectory(dir).read();
    // Assess
    expect(read).toThrow(/unknown state version; delete it to start fresh/);
  });
});

describe('Persistence', () => {
  it('restores each service from its records, then writes each change it makes as one journal line', () => {
    // Prepare
    const directory = new StateDirectory(dir);
    directory.compact({ notes: [['a', { text: 'saved' }]] });
    const notes = new Notes();
    const persistence = new Persistence(directory, { notes }, () => undefined);
    persistence.start(directory.read());
    // Act
    notes.put('b', 'added');
    notes.remove('a');
    persistence.write();
    const journal = readFileSync(directory.journalPath, 'utf8');
    // Assess
    expect([...notes.notes.keys()]).toEqual(['b']);
    expect(journal).toBe('["notes","b",{"text":"added"}]\n["notes","a"]\n');
  });

  it('writes a change on its own, on the next turn of the event loop', async () => {
    // Prepare
    const directory = new StateDirectory(dir);
    const notes = new Notes();
    new Persistence(directory, { notes }, () => undefined).start(undefined);
    // Act
    notes.put('a', 'unprompted');
    await new Promise((resolve) => setImmediate(resolve));
    // Assess
    expect(readFileSync(directory.journalPath, 'utf8')).toBe('["notes","a",{"text":"unprompted"}]\n');
  });

  it('folds the journal into the state file when it closes, and records nothing after', () => {
    // Prepare
    const directory = new StateDirectory(dir);
    const notes = new Notes();
    const persistence = new Persistence(directory, { notes }, () => undefined);
    persistence.start(undefined);
    notes.put('a', 'before close');
    // Act
    persistence.close();
    notes.put('b', 'after close');
    persistence.write();
    // Assess
    expect(existsSync(directory.journalPath)).toBe(false);
    expect(asObject(new StateDirectory(dir).read())).toEqual({ notes: { a: { text: 'before close' } } });
  });
});
