// A function API Gateway invokes may run more invocations at once than the others: each of its
// callers waits on the answer, so overlapping API requests run side by side instead of queueing.
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalLambda } from '../../../local/lambda/index.js';
import { fixtureFunction, testLambda } from './fake-iam.js';

let lambda: LocalLambda;

/** Threads that `count` overlapping invocations of `functionName` ran on. */
async function threadsOf(functionName: string, count: number, interactive: boolean): Promise<Set<number>> {
  const results = await Promise.all(Array.from({ length: count }, () => lambda.invoke(functionName, '{}', { interactive })));
  return new Set(results.map((result) => (result.payload as { threadId: number }).threadId));
}

describe('Lambda workers of functions API Gateway invokes', () => {
  afterEach(async () => {
    await lambda.close();
  });

  it('run up to their own cap at once, while other functions keep theirs', async () => {
    // Prepare
    lambda = testLambda({ maxWorkersPerFunction: 1, maxApiWorkersPerFunction: 3 });
    for (const name of ['api', 'workflow-step']) lambda.createFunction(fixtureFunction(name, 'echo.handler'));

    // Act
    const api = await threadsOf('api', 4, true);
    const background = await threadsOf('workflow-step', 4, false);

    // Assess
    expect(api.size).toBe(3);
    expect(background.size).toBe(1);
  });

  it('never run fewer at once than other functions may', async () => {
    // Prepare
    lambda = testLambda({ maxWorkersPerFunction: 2, maxApiWorkersPerFunction: 1 });
    lambda.createFunction(fixtureFunction('api', 'echo.handler'));

    // Act
    const api = await threadsOf('api', 3, true);

    // Assess
    expect(api.size).toBe(2);
  });
});
