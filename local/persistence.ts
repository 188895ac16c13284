// The local cloud's state file: what survives a restart (IAM and Organizations, EventBridge, Step
// Functions executions, SQS queues and their messages, and the deployed stack; DynamoDB keeps its
// own files beside it).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeployedStack } from './deploy/index.js';

export interface PersistedState {
  version: 1;
  iam?: unknown;
  events?: unknown;
  sfn?: unknown;
  sqs?: unknown;
  stack?: DeployedStack;
}

const SAVE_INTERVAL_MS = 1_000;

export class StateFile {
  readonly path: string;
  private lastSaved = '';

  /** `<dir>/state.json`; the directory is created when missing. */
  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, 'state.json');
  }

  read(): PersistedState | undefined {
    if (!existsSync(this.path)) return undefined;
    const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as PersistedState;
    if (parsed.version !== 1) throw new Error(`${this.path} has an unknown state version; delete it to start fresh`);
    return parsed;
  }

  /** Writes the state, unless it is what the last save wrote. */
  save(state: PersistedState): void {
    const text = JSON.stringify(state);
    if (text === this.lastSaved) return;
    // Write-then-rename: a crash mid-write never leaves a truncated state file behind.
    writeFileSync(`${this.path}.tmp`, text);
    renameSync(`${this.path}.tmp`, this.path);
    this.lastSaved = text;
  }

  /** Saves a fresh snapshot every second until stopped; a failed save is logged and tried again. */
  autosave(snapshot: () => PersistedState, log: (line: string) => void): { stop(): void } {
    const timer = setInterval(() => {
      try {
        this.save(snapshot());
      } catch (error) {
        log(`saving state failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }, SAVE_INTERVAL_MS);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }
}
