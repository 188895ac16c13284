// Lines for the terminal (stdout or stderr), gathered and written once per turn of the event loop.
// Writes to a terminal or a pipe are synchronous in Node on Linux: a write per line would cost the
// emulator's event loop a system call per line, and wait whenever the reader falls behind, while
// every request it serves logs a line and every function prints several.
export class TerminalLines {
  private pending = '';
  private scheduled: NodeJS.Immediate | undefined;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  readonly write = (line: string): void => {
    this.pending += `${line}\n`;
    this.scheduled ??= setImmediate(() => this.flush());
  };

  /** Writes what is gathered now (e.g. before the process ends). */
  flush(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    if (this.pending === '') return;
    this.stream.write(this.pending);
    this.pending = '';
  }
}
