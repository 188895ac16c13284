// Sweep step "List Fleet Page" across pages: the token a page hands back is where the next call
// starts (not the fleet's start again), the last page says so in its log line, and every line
// carries the sweep's execution ARN, so one sweep's lines can be found among many.
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FleetPageAnswer } from '../../../functions/shared/adapters/fleet-sweep.js';
import { startRegistryTable, type TestTable } from '../../support/dynamodb.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { providerRecord, registryOn } from '../../support/provider-records.js';
import { workflowContext } from '../../support/workflow-task-events.js';
import { listFleetEnvironment, type ListFleetEvent } from './harness.js';

const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:SweepFleet:sweep-2';
const EXECUTION = { arn: EXECUTION_ARN, name: 'sweep-2', startTime: '2026-11-29T13:00:00.000Z' };
/** The token of the page after payments.dev: its registry key, base64url-encoded JSON. */
const AFTER_PAYMENTS_DEV = 'eyJwcm92aWRlcklkIjoicGF5bWVudHMuZGV2In0';
let table: TestTable;
let handler: (event: ListFleetEvent, context: Context) => Promise<FleetPageAnswer>;
let output: CapturedOutput;

beforeAll(async () => {
  table = await startRegistryTable();
  // Pages of one provider: a fleet of one READY provider takes two pages, the second one empty.
  Object.assign(process.env, listFleetEnvironment(table, 1));
  ({ handler } = await import('../../../functions/list-fleet/handler.js'));
  await registryOn(table).create(providerRecord({ providerId: 'payments.dev', accountId: '123456789012' }));
});

afterAll(async () => {
  await table.close();
});

beforeEach(() => {
  output = captureOutput();
});

afterEach(() => {
  output.restore();
});

const pageListed = () => output.jsonLines().filter((line) => line.message === 'Fleet page listed');

describe('listing the fleet page by page', () => {
  it('hands back the token of the next page and logs lastPage false while a page is full', async () => {
    // Act
    const page = await handler({ execution: EXECUTION }, workflowContext('list-fleet'));

    // Assess
    expect(page.providers).toEqual([{ providerId: 'payments.dev', accountId: '123456789012', attempt: 1 }]);
    expect(page.nextToken).toBe(AFTER_PAYMENTS_DEV);
    expect(pageListed()).toHaveLength(1);
    expect(pageListed()[0]).toMatchObject({ executionArn: EXECUTION_ARN, sweepId: 'sweep-20261129T130000000Z', providers: 1, lastPage: false });
  });

  it('starts the next page where the token says, and logs lastPage true when no page follows', async () => {
    // Act
    const page = await handler({ execution: EXECUTION, nextToken: AFTER_PAYMENTS_DEV }, workflowContext('list-fleet'));

    // Assess
    expect(page.providers).toEqual([]);
    expect(page.nextToken).toBeNull();
    expect(pageListed()).toHaveLength(1);
    expect(pageListed()[0]).toMatchObject({ executionArn: EXECUTION_ARN, providers: 0, lastPage: true });
  });
});
