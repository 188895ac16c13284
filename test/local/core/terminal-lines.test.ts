// Lines for the terminal are gathered and written once per turn of the event loop: one system
// call for many lines, in the order they came, and nothing held back once flushed.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { TerminalLines } from '../../../local/core/terminal-lines.js';

function recordingStream(): { stream: PassThrough; writes: string[] } {
  const stream = new PassThrough();
  const writes: string[] = [];
  const write = stream.write.bind(stream);
  stream.write = ((chunk: string) => {
    writes.push(chunk);
    return write(chunk);
  }) as typeof stream.write;
  return { stream, writes };
}

describe('TerminalLines', () => {
  it('writes the lines of one turn of the event loop at once, in order, after that turn', async () => {
    // Prepare
    const { stream, writes } = recordingStream();
    const terminal = new TerminalLines(stream);

    // Act
    terminal.write('[local] api POST /workspaces/a/providers 202');
    terminal.write('[local] api GET /workspaces/a/providers/p 200');
    const beforeTheTurnEnds = [...writes];
    await new Promise((resolve) => setImmediate(resolve));

    // Assess
    expect(beforeTheTurnEnds).toEqual([]);
    expect(writes).toEqual(['[local] api POST /workspaces/a/providers 202\n[local] api GET /workspaces/a/providers/p 200\n']);
  });

  it('writes what is gathered when flushed, and nothing more at the end of the turn', async () => {
    // Prepare
    const { stream, writes } = recordingStream();
    const terminal = new TerminalLines(stream);
    terminal.write('last line before stopping');

    // Act
    terminal.flush();
    await new Promise((resolve) => setImmediate(resolve));

    // Assess
    expect(writes).toEqual(['last line before stopping\n']);
  });
});
