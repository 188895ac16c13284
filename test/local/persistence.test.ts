import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateFile } from '../../local/persistence.js';

describe('StateFile', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'state-file-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back what it saved, in a directory it creates', () => {
    // Prepare
    const file = new StateFile(join(dir, 'nested', '.local'));
    // Act
    const before = file.read();
    file.save({ version: 1, iam: { roles: ['a'] } });
    const after = new StateFile(join(dir, 'nested', '.local')).read();
    // Assess
    expect(before).toBeUndefined();
    expect(after).toEqual({ version: 1, iam: { roles: ['a'] } });
    expect(file.path).toBe(join(dir, 'nested', '.local', 'state.json'));
  });

  it('does not rewrite a state identical to the last one it saved', () => {
    // Prepare
    const file = new StateFile(dir);
    file.save({ version: 1, events: { buses: 1 } });
    writeFileSync(file.path, 'edited by hand');
    // Act
    file.save({ version: 1, events: { buses: 1 } });
    // Assess
    expect(readFileSync(file.path, 'utf8')).toBe('edited by hand');
  });

  it('refuses a state file of another version instead of misreading it', () => {
    // Prepare
    const file = new StateFile(dir);
    writeFileSync(file.path, JSON.stringify({ version: 2 }));
    // Act
    const read = () => file.read();
    // Assess
    expect(read).toThrow(/unknown state version; delete it to start fresh/);
  });
});
