// Check Provider in a fleet sweep lasts at least the minCheckMs its input carries (the sweep's rate
// bound): after its checks it waits the rest, and says so in its "Provider checked" line. A check
// that throws is paced too; one that finds the provider no longer verifiable (no IAM or STS call)
// is not, and neither is an on-demand verification, whose input carries no minCheckMs.
import { IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { systemPaceClock } from '../../../functions/shared/adapters/pacing.js';
import type { ProviderRegistry } from '../../../functions/shared/adapters/registry.js';
import type { ProviderInspection, VerificationTaskEvent } from '../../../functions/shared/runtime/verification-event.js';
import { startRegistryTable, type TestTable } from '../../support/dynamodb.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { providerRecord, registryOn } from '../../support/provider-records.js';
import { answerRoleGone, checkProviderEnvironment } from './harness.js';
import { BOOTSTRAP_SESSION, providerSpec, sdkError, workflowContext } from '../../support/workflow-task-events.js';

const STARTED_AT = '2026-11-29T12:00:00.000Z';
const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const context = workflowContext('check-provider');
let table: TestTable;
let registry: ProviderRegistry;
let handler: (event: VerificationTaskEvent, context: Context) => Promise<ProviderInspection>;
let output: CapturedOutput;
let sleep: MockInstance<(ms: number) => Promise<void>>;

beforeAll(async () => {
  table = await startRegistryTable();
  registry = registryOn(table);
  Object.assign(process.env, checkProviderEnvironment(table));
  ({ handler } = await import('../../../functions/check-provider/handler.js'));
});

afterAll(async () => {
  await table.close();
});

beforeEach(() => {
  sts.reset();
  iam.reset();
  // The role is gone (the checks still run, and fail ROLE_MISSING): the fewest answers to fake.
  answerRoleGone(iam);
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(STARTED_AT));
  sleep = vi.spyOn(systemPaceClock, 'sleep').mockResolvedValue(undefined);
  output = captureOutput();
});

afterEach(() => {
  output.restore();
  sleep.mockRestore();
  vi.useRealTimers();
});

/** Provider payments.<name>, READY on attempt 1, in the registry. */
async function readyProvider(name: string): Promise<void> {
  await registry.create(providerRecord({ providerId: `payments.${name}`, name, roleName: `capa-payments-${name}` }));
}

function eventFor(name: string, state: { attempt?: number; minCheckMs?: number } = {}): VerificationTaskEvent {
  return {
    execution: { arn: `arn:aws:states:us-east-1:000000000000:execution:SweepFleet/VerifyPage:${name}`, name },
    state: {
      provider: providerSpec({ providerId: `payments.${name}`, name, roleName: `capa-payments-${name}`, attempt: state.attempt ?? 1 }),
      ...(state.minCheckMs !== undefined && { minCheckMs: state.minCheckMs }),
    },
  };
}

/** The bootstrap session takes 300 ms of the (fake) clock: the checks are not instant. */
function bootstrapTaking300Ms(): void {
  sts.on(AssumeRoleCommand).callsFake(async () => {
    vi.setSystemTime(new Date(Date.parse(STARTED_AT) + 300));
    return BOOTSTRAP_SESSION;
  });
}

const providerChecked = () => output.jsonLines().filter((line) => line.message === 'Provider checked');

describe('pacing Check Provider', () => {
  it('waits the rest of minCheckMs after its checks and logs the wait in "Provider checked"', async () => {
    // Prepare
    await readyProvider('paced');
    bootstrapTaking300Ms();

    // Act
    const inspection = await handler(eventFor('paced', { minCheckMs: 1_000 }), context);

    // Assess
    expect(inspection).toMatchObject({ verifiable: true, previousStatus: 'READY' });
    expect(sleep.mock.calls).toEqual([[700]]);
    expect(providerChecked()).toHaveLength(1);
    expect(providerChecked()[0]).toMatchObject({ minCheckMs: 1_000, pacedWaitMs: 700 });
  });

  it('does not wait when the checks already took minCheckMs', async () => {
    // Prepare
    await readyProvider('slow');
    bootstrapTaking300Ms();

    // Act
    await handler(eventFor('slow', { minCheckMs: 250 }), context);

    // Assess
    expect(sleep).not.toHaveBeenCalled();
    expect(providerChecked()[0]).toMatchObject({ minCheckMs: 250, pacedWaitMs: 0 });
  });

  it('does not wait in an on-demand verification, whose input carries no minCheckMs', async () => {
    // Prepare
    await readyProvider('on-demand');
    bootstrapTaking300Ms();

    // Act
    const inspection = await handler(eventFor('on-demand'), context);

    // Assess
    expect(inspection).toMatchObject({ verifiable: true, previousStatus: 'READY' });
    expect(sleep).not.toHaveBeenCalled();
    expect(providerChecked()).toHaveLength(1);
    expect(providerChecked()[0]).toMatchObject({ pacedWaitMs: 0 });
    expect(providerChecked()[0]).not.toHaveProperty('minCheckMs');
  });

  it('waits the rest of minCheckMs before failing when a check throws', async () => {
    // Prepare
    await readyProvider('refused');
    sts.on(AssumeRoleCommand).rejects(sdkError('AccessDenied', 403, 'not authorized to perform: sts:AssumeRole'));

    // Act
    const checking = handler(eventFor('refused', { minCheckMs: 1_000 }), context);

    // Assess
    await expect(checking).rejects.toMatchObject({ name: 'BootstrapRoleDenied' });
    expect(sleep.mock.calls).toEqual([[1_000]]);
  });

  it('does not wait for a provider no longer verifiable: it made no IAM or STS call', async () => {
    // Prepare: the sweep listed attempt 1, a newer attempt took over since.
    await readyProvider('moved-on');

    // Act
    const inspection = await handler(eventFor('moved-on', { attempt: 2, minCheckMs: 1_000 }), context);

    // Assess
    expect(inspection).toEqual({ verifiable: false, previousStatus: 'READY', verifiedAt: STARTED_AT, checks: [] });
    expect(sleep).not.toHaveBeenCalled();
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
  });
});
