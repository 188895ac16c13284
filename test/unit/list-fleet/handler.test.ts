// Sweep step "List Fleet Page": the page's sweep carries minCheckMs, the least time each child's
// check lasts, from MIN_CHECK_MS (which the stack derives from sweepConcurrency and
// sweepChecksPerSecond), so the Map's ItemSelector can hand it to every Check Provider.
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FleetPageAnswer } from '../../../functions/shared/adapters/fleet-sweep.js';
import { startRegistryTable, type TestTable } from '../../support/dynamodb.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { providerRecord, registryOn } from '../../support/provider-records.js';
import { workflowContext } from '../../support/workflow-task-events.js';
import { listFleetEnvironment, type ListFleetEvent } from './harness.js';

const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:SweepFleet:sweep-1';
let table: TestTable;
let handler: (event: ListFleetEvent, context: Context) => Promise<FleetPageAnswer>;
let output: CapturedOutput;

beforeAll(async () => {
  table = await startRegistryTable();
  Object.assign(process.env, listFleetEnvironment(table, 500));
  ({ handler } = await import('../../../functions/list-fleet/handler.js'));
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

describe('listing a fleet page', () => {
  it('hands MIN_CHECK_MS to the page as sweep.minCheckMs, next to the sweep identity and autoRepair', async () => {
    // Prepare
    const registry = registryOn(table);
    await registry.create(providerRecord({ providerId: 'payments.dev', accountId: '123456789012' }));
    await registry.create(providerRecord({ providerId: 'payments.prod', name: 'prod', accountId: '210987654321', status: 'DEGRADED' }));

    // Act
    const page = await handler({ execution: { arn: EXECUTION_ARN, name: 'sweep-1', startTime: '2026-11-29T12:00:00.000Z' }, nextToken: null }, workflowContext('list-fleet'));

    // Assess
    expect(page).toEqual({
      sweep: { sweepId: 'sweep-20261129T120000000Z', executionArn: EXECUTION_ARN, startedAt: '2026-11-29T12:00:00.000Z', autoRepair: false, minCheckMs: 750 },
      providers: [
        { providerId: 'payments.dev', accountId: '123456789012', attempt: 1 },
        { providerId: 'payments.prod', accountId: '210987654321', attempt: 1 },
      ],
      nextToken: null,
    });
    expect(output.jsonLines().find((line) => line.message === 'Fleet page listed')).toMatchObject({ providers: 2, minCheckMs: 750 });
  });
});
