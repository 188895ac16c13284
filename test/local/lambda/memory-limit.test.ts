// A sandbox has no more memory than its function is configured with: a function that keeps more
// fails with Runtime.OutOfMemory, as in Lambda, and the next invocation gets a fresh sandbox.
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalLambda } from '../../../local/lambda/index.js';
import { fixtureFunction, testLambda } from './fake-iam.js';

let lambda: LocalLambda;

function start(): void {
  lambda = testLambda({ maxWorkersPerFunction: 1 });
  lambda.createFunction(fixtureFunction('hungry', 'hungry.handler', { timeoutSeconds: 30, memoryMb: 128 }));
}

describe('a function\'s memory size', () => {
  afterEach(async () => {
    await lambda.close();
  });

  it('is room enough for what fits in it', async () => {
    // Prepare
    start();

    // Act
    const result = await lambda.invoke('hungry', JSON.stringify({ megabytes: 20 }));

    // Assess
    expect(result.functionError).toBeUndefined();
    expect(result.payload).toEqual({ kept: 20 });
  });

  it('ends the sandbox of a function that keeps more, with Runtime.OutOfMemory; the next invocation starts afresh', async () => {
    // Prepare
    start();

    // Act
    const exhausted = await lambda.invoke('hungry', JSON.stringify({ megabytes: 400 }));
    const next = await lambda.invoke('hungry', JSON.stringify({ megabytes: 1 }));

    // Assess
    expect(exhausted.functionError).toBe('Unhandled');
    expect(exhausted.payload).toMatchObject({ errorType: 'Runtime.OutOfMemory', errorMessage: expect.stringContaining('Runtime exited with error: signal: killed') });
    expect(next.payload).toEqual({ kept: 1 });
  });
});
