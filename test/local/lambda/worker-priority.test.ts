// Background work yields the CPU to the REST API: workers of functions API Gateway does not invoke
// run at the configured nice value; a function API Gateway invokes keeps the process's priority,
// and a worker it had before its first API call is replaced at that priority.
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalLambda } from '../../../local/lambda/index.js';
import { fixtureFunction, testLambda } from './fake-iam.js';

const BACKGROUND_NICENESS = 7;

interface NiceAnswer {
  nice: number;
  threadId: number;
}

let lambda: LocalLambda;

function start(backgroundNiceness?: number): void {
  lambda = testLambda({ maxWorkersPerFunction: 1, ...(backgroundNiceness !== undefined ? { backgroundNiceness } : {}) });
  for (const name of ['api', 'workflow-step']) lambda.createFunction(fixtureFunction(name, 'nice.handler'));
}

async function niceOf(functionName: string, interactive = false): Promise<NiceAnswer> {
  return (await lambda.invoke(functionName, '{}', { interactive })).payload as NiceAnswer;
}

describe.runIf(process.platform === 'linux')('Lambda worker priority', () => {
  afterEach(async () => {
    await lambda.close();
  });

  it('runs functions API Gateway does not invoke at the background nice value, and API Gateway\'s at the process\'s own', async () => {
    // Prepare
    start(BACKGROUND_NICENESS);
    const own = (await niceOf('api', true)).nice;

    // Act
    const background = await niceOf('workflow-step');

    // Assess
    expect(background.nice).toBe(Math.min(19, own + BACKGROUND_NICENESS));
    expect((await niceOf('api', true)).nice).toBe(own);
  });

  it('replaces a background worker once API Gateway first invokes its function', async () => {
    // Prepare
    start(BACKGROUND_NICENESS);
    const before = await niceOf('api');

    // Act
    const after = await niceOf('api', true);
    const next = await niceOf('api');

    // Assess
    expect(after.threadId).not.toBe(before.threadId);
    expect(after.nice).toBeLessThan(before.nice);
    expect(next).toEqual(after);
  });

  it('leaves every worker at the process\'s priority by default', async () => {
    // Prepare
    start();

    // Act
    const background = await niceOf('workflow-step');
    const api = await niceOf('api', true);

    // Assess
    expect(background.nice).toBe(api.nice);
  });
});
