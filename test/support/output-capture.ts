// Everything the functions under test print: powertools writes JSON lines to stdout and stderr
// through its own Console, anything else may use the global console. Captured, and kept out of
// the test report.
import { format } from 'node:util';
import { vi } from 'vitest';

export interface CapturedOutput {
  /** All output so far, as printed. */
  text(): string;
  /** The JSON log lines, parsed. */
  jsonLines(): Array<Record<string, unknown>>;
  restore(): void;
}

export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const write = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(write),
    vi.spyOn(process.stderr, 'write').mockImplementation(write),
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        chunks.push(`${format(...args)}\n`);
      }),
    ),
  ];
  const text = () => chunks.join('');
  return {
    text,
    jsonLines: () =>
      text()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
