// A burst of overlapping invocations starts extra workers; once idle for idleWorkerMs they end,
// as Lambda reclaims idle sandboxes, while each function keeps one warm worker.
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalLambda } from '../../../local/lambda/index.js';
import { fixtureFunction, testLambda } from './fake-iam.js';

const IDLE_MS = 50;

let lambda: LocalLambda;

/** Two overlapping invocations of echo: the worker thread each ran on. */
async function pair(): Promise<number[]> {
  const results = await Promise.all([lambda.invoke('echo', '{}'), lambda.invoke('echo', '{}')]);
  return results.map((result) => (result.payload as { threadId: number }).threadId);
}

function start(idleWorkerMs: number): void {
  lambda = testLambda({ maxWorkersPerFunction: 2, idleWorkerMs });
  lambda.createFunction(fixtureFunction('echo', 'echo.handler', { memoryMb: 256 }));
}

describe('idle Lambda workers', () => {
  afterEach(async () => {
    await lambda.close();
  });

  it('end after idling, all but one warm worker per function', async () => {
    // Prepare
    start(IDLE_MS);
    const burst = await pair();
    // Act: overlapping invocations again, once the idle time has surely passed
    let later: number[] = [];
    const deadline = Date.now() + 5_000;
    do {
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS * 2));
      later = await pair();
    } while (later.every((threadId) => burst.includes(threadId)) && Date.now() < deadline);
    // Assess
    expect(new Set(burst).size).toBe(2);
    expect(later.filter((threadId) => burst.includes(threadId))).toHaveLength(1);
  });

  it('stay warm while invocations keep coming within the idle time', async () => {
    // Prepare
    start(60_000);
    const burst = await pair();
    // Act
    const again = await pair();
    // Assess
    expect(new Set(again)).toEqual(new Set(burst));
  });
});
