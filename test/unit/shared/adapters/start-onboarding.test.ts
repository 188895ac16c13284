// The one start path of the API and the trigger, against a real DynamoDB engine (dynalite); only
// Step Functions is mocked.
import { DescribeExecutionCommand, ExecutionAlreadyExists, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProviderRecord } from '../../../../functions/shared/domain/provider.js';
import type { ProviderRequest } from '../../../../functions/shared/domain/provider-request.js';
import { startOnboarding, type OnboardingDependencies } from '../../../../functions/shared/adapters/start-onboarding.js';
import { providerRecord, registryOn, TEST_STATE_MACHINE_ARN } from '../../../support/provider-records.js';
import { sfn, startOnboardingHarness } from './start-onboarding-harness.js';

const NOW = new Date('2026-11-28T04:00:00.000Z');
const harness = startOnboardingHarness();

beforeEach(() => {
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: NOW });
});

function dependencies(): OnboardingDependencies & { registry: ReturnType<typeof registryOn> } {
  return harness.dependencies(NOW);
}

/** A stored provider onboard.<name> (each test has its own), with the role name the prefix derives. */
function storedProvider(name: string, overrides: Partial<ProviderRecord> = {}): ProviderRecord {
  return providerRecord({
    providerId: `onboard.${name}`,
    workspace: 'onboard',
    name,
    roleName: `capa-onboard-${name}`,
    roleArn: `arn:aws:iam::123456789012:role/capa-providers/capa-onboard-${name}`,
    executionName: `onboard_${name}_1`,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:Onboard:onboard_${name}_1`,
    ...overrides,
  });
}

const request = (name: string, fields: Partial<ProviderRequest> = {}): ProviderRequest => ({
  workspace: 'onboard',
  name,
  accountId: '123456789012',
  ...fields,
});

describe('a new provider', () => {
  it('is recorded PENDING with a generated External ID, and its execution starts without the External ID', async () => {
    // Prepare
    const deps = dependencies();

    // Act
    const result = await startOnboarding(deps, request('new'));

    // Assess
    expect(result.outcome).toBe('started');
    expect(result.provider).toEqual({
      providerId: 'onboard.new',
      workspace: 'onboard',
      name: 'new',
      accountId: '123456789012',
      roleName: 'capa-onboard-new',
      rolePath: '/capa-providers/',
      roleArn: 'arn:aws:iam::123456789012:role/capa-providers/capa-onboard-new',
      trustEc2: true,
      externalId: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      externalIdSource: 'generated',
      status: 'PENDING',
      attempt: 1,
      executionName: 'onboard_new_1',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:onboard_new_1',
      createdAt: '2026-11-28T04:00:00.000Z',
      updatedAt: '2026-11-28T04:00:00.000Z',
    });
    expect(await deps.registry.get('onboard.new')).toEqual(result.provider);
    expect(sfn).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input).toEqual({
      stateMachineArn: TEST_STATE_MACHINE_ARN,
      name: 'onboard_new_1',
      input: '{"provider":{"providerId":"onboard.new","workspace":"onboard","name":"new","accountId":"123456789012","roleName":"capa-onboard-new","rolePath":"/capa-providers/","trustEc2":true,"attempt":1}}',
    });
  });

  it('keeps a supplied External ID, role name and trustEc2', async () => {
    // Prepare
    const deps = dependencies();

    // Act
    const result = await startOnboarding(deps, request('supplied', { externalId: 'supplied-id-0001', roleName: 'team-capa', trustEc2: false }));

    // Assess
    expect(result.outcome).toBe('started');
    expect(result.provider).toMatchObject({
      externalId: 'supplied-id-0001',
      externalIdSource: 'supplied',
      roleName: 'team-capa',
      roleArn: 'arn:aws:iam::123456789012:role/capa-providers/team-capa',
      trustEc2: false,
    });
  });

  it('concurrent requests for the same provider: one starts it, the other answers with the same provider', async () => {
    // Prepare
    const deps = dependencies();

    // Act
    const results = await Promise.all([startOnboarding(deps, request('create-race')), startOnboarding(deps, request('create-race'))]);

    // Assess
    expect(results.map((result) => result.outcome).sort()).toEqual(['in-progress', 'started']);
    const stored = await deps.registry.get('onboard.create-race');
    expect(results[0]?.provider).toEqual(stored);
    expect(results[1]?.provider).toEqual(stored);
  });
});

describe('a repeated request', () => {
  it('for a READY provider answers with it and starts nothing', async () => {
    // Prepare
    const deps = dependencies();
    await deps.registry.create(storedProvider('ready'));

    // Act
    const result = await startOnboarding(deps, request('ready'));

    // Assess
    expect(result).toEqual({ outcome: 'existing', provider: storedProvider('ready') });
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('for a PENDING provider re-sends the same start (a crash between record and start); "already exists" is fine', async () => {
    // Prepare
    const deps = dependencies();
    await deps.registry.create(storedProvider('pending', { status: 'PENDING' }));
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });

    // Act
    const result = await startOnboarding(deps, request('pending'));

    // Assess
    expect(result).toEqual({ outcome: 'in-progress', provider: storedProvider('pending', { status: 'PENDING' }) });
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { name: 'onboard_pending_1' });
  });

  it('for a FAILED provider starts attempt 2 under a new execution name', async () => {
    // Prepare
    const deps = dependencies();
    await deps.registry.create(storedProvider('failed', { status: 'FAILED', reason: 'ROLE_CONFLICT', message: 'taken' }));

    // Act
    const result = await startOnboarding(deps, request('failed'));

    // Assess
    const restarted = storedProvider('failed', {
      status: 'PENDING',
      attempt: 2,
      executionName: 'onboard_failed_2',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:onboard_failed_2',
      updatedAt: '2026-11-28T04:00:00.000Z',
    });
    expect(result).toEqual({ outcome: 'restarted', provider: restarted });
    expect(await deps.registry.get('onboard.failed')).toEqual(restarted);
    expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { name: 'onboard_failed_2' });
  });

  it('that loses a restart race answers with the fresh record of the winner, not the stale FAILED one', async () => {
    // Prepare: another request restarts the FAILED provider between this request's read and its restart.
    const deps = dependencies();
    await deps.registry.create(storedProvider('restart-race', { status: 'FAILED', reason: 'TIMEOUT', message: 'too slow' }));
    const winner = {
      attempt: 2,
      executionName: 'onboard_restart-race_2',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:onboard_restart-race_2',
      updatedAt: '2026-11-28T03:59:59.000Z',
    };
    const restart = deps.registry.restart.bind(deps.registry);
    vi.spyOn(deps.registry, 'restart').mockImplementationOnce(async (providerId, previousAttempt, next) => {
      await restart(providerId, previousAttempt, winner);
      return restart(providerId, previousAttempt, next);
    });

    // Act
    const result = await startOnboarding(deps, request('restart-race'));

    // Assess
    expect(result).toEqual({
      outcome: 'in-progress',
      provider: storedProvider('restart-race', {
        status: 'PENDING',
        attempt: 2,
        executionName: 'onboard_restart-race_2',
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:Onboard:onboard_restart-race_2',
        updatedAt: '2026-11-28T03:59:59.000Z',
      }),
    });
  });
});

describe('a request that contradicts the existing provider is a conflict naming every differing field', () => {
  it.each<[string, Partial<ProviderRequest>, { field: string; issue: string }[]]>([
    ['accountid', { accountId: '999999999999' }, [{ field: 'accountId', issue: 'differs from the existing provider' }]],
    ['rolename', { roleName: 'another-role' }, [{ field: 'roleName', issue: 'differs from the existing provider' }]],
    ['trustec2', { trustEc2: false }, [{ field: 'trustEc2', issue: 'differs from the existing provider' }]],
    ['externalid', { externalId: 'another-external-id' }, [{ field: 'externalId', issue: 'differs from the existing provider' }]],
    [
      'everything',
      { accountId: '999999999999', roleName: 'another-role', trustEc2: false, externalId: 'another-external-id' },
      [
        { field: 'accountId', issue: 'differs from the existing provider' },
        { field: 'roleName', issue: 'differs from the existing provider' },
        { field: 'trustEc2', issue: 'differs from the existing provider' },
        { field: 'externalId', issue: 'differs from the existing provider' },
      ],
    ],
  ])('provider onboard.%s asked with %o', async (name, fields, differences) => {
    // Prepare
    const deps = dependencies();
    await deps.registry.create(storedProvider(name));

    // Act
    const result = await startOnboarding(deps, request(name, fields));

    // Assess
    expect(result).toEqual({ outcome: 'conflict', provider: storedProvider(name), differences });
    expect(await deps.registry.get(`onboard.${name}`)).toEqual(storedProvider(name));
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('repeating every field, External ID included, is not a conflict', async () => {
    // Prepare
    const deps = dependencies();
    await deps.registry.create(storedProvider('same-spec'));

    // Act
    const result = await startOnboarding(
      deps,
      request('same-spec', { roleName: 'capa-onboard-same-spec', trustEc2: true, externalId: 'stored-external-id-7f3a9c1e5b2d4860' }),
    );

    // Assess
    expect(result).toEqual({ outcome: 'existing', provider: storedProvider('same-spec') });
  });

  it('omitting the External ID keeps the provider’s own and is not a conflict', async () => {
    // Prepare
    const deps = dependencies();
    await deps.registry.create(storedProvider('omitted-id'));

    // Act
    const result = await startOnboarding(deps, request('omitted-id'));

    // Assess
    expect(result).toEqual({ outcome: 'existing', provider: storedProvider('omitted-id') });
  });
});
