// The start path's tests share one setup: a registry table (dynalite) per test file, Step Functions
// mocked and reset before each test, and the deployment's onboarding settings.
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { OnboardingDependencies } from '../../../../functions/shared/adapters/start-onboarding.js';
import { startRegistryTable, type TestTable } from '../../../support/dynamodb.js';
import { registryOn, TEST_STATE_MACHINE_ARN } from '../../../support/provider-records.js';

export const sfn = mockClient(SFNClient);
export const ONBOARDING_SETTINGS = { stateMachineArn: TEST_STATE_MACHINE_ARN, partition: 'aws', rolePath: '/capa-providers/', roleNamePrefix: 'capa-' };

/**
 * Registers the file's table and the mock's reset (a file's own beforeEach runs after it, so it
 * can stub answers). `dependencies(now)` builds the start path's dependencies on them.
 */
export function startOnboardingHarness() {
  let table: TestTable;
  beforeAll(async () => {
    table = await startRegistryTable();
  });
  afterAll(async () => {
    await table.close();
  });
  beforeEach(() => {
    sfn.reset();
  });
  const registry = () => registryOn(table);
  return {
    registry,
    dependencies: (now: Date): OnboardingDependencies & { registry: ReturnType<typeof registryOn> } => ({
      registry: registry(),
      sfn: new SFNClient({}),
      settings: ONBOARDING_SETTINGS,
      now: () => now,
    }),
  };
}
