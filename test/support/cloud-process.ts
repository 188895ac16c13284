// The local cloud in a child process of its own, on a state directory: what an operator runs,
// killed outright (kill -9) and started again from the same directory. Unlike `npm start`, the
// child takes the options a scenario needs (faults, retry scale, function environment), and the
// parent keeps every line it wrote, function logs included, to search them afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { LocalCloudOptions } from '../../local/cloud.js';

/** The line the child prints once it serves; the JSON after it says where it listens. */
export const READY_MARKER = 'CLOUD-PROCESS-READY ';

const PROJECT_ROOT = join(import.meta.dirname, '..', '..');
const READY_TIMEOUT_MS = 120_000;

export interface CloudEndpoints {
  endpoint: string;
  apiUrl: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface CloudProcess extends CloudEndpoints {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Options the child passes to startLocalCloud (JSON: no functions). */
export type CloudProcessOptions = Omit<LocalCloudOptions, 'afterDeploy' | 'functionLog' | 'log'> & { stateDir: string };

/**
 * Starts the cloud in a child process and resolves once it serves. Every line it writes (stdout
 * and stderr) is appended to `output`, across restarts.
 */
export function spawnCloudProcess(options: CloudProcessOptions, output: string[]): Promise<CloudProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join('test', 'support', 'cloud-process-main.ts')], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LOCAL_FAULTS: '', CLOUD_PROCESS_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the cloud process was not ready after ${READY_TIMEOUT_MS} ms:\n${output.slice(-50).join('\n')}`));
    }, READY_TIMEOUT_MS);
    const lineReader = (onLine: (line: string) => void) => {
      let pending = '';
      return (chunk: Buffer) => {
        const lines = (pending + chunk.toString('utf8')).split('\n');
        pending = lines.pop() ?? '';
        lines.forEach(onLine);
      };
    };
    child.stdout!.on(
      'data',
      lineReader((line) => {
        output.push(line);
        if (!line.startsWith(READY_MARKER)) return;
        clearTimeout(timer);
        resolve({ ...(JSON.parse(line.slice(READY_MARKER.length)) as CloudEndpoints), child, exited });
      }),
    );
    child.stderr!.on('data', lineReader((line) => output.push(line)));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the cloud process exited (${code ?? signal}) before it was ready:\n${output.slice(-50).join('\n')}`));
    });
  });
}

/** Kills the process outright (SIGKILL), as a crash would, and waits for its end. */
export async function killOutright(cloud: CloudProcess | undefined): Promise<void> {
  if (cloud === undefined || cloud.child.exitCode !== null || cloud.child.signalCode !== null) return;
  cloud.child.kill('SIGKILL');
  await cloud.exited;
}
