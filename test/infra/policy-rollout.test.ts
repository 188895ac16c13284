// The CAPA policy rollout as synthesized: the rollout-policy state machine (its Distributed Map's
// concurrency and page size from configuration, its four task functions), the custom resource that starts it after a
// deployment changing the policy (and only runs once the state machine and the upgrade function
// are in place), configuration checks, and each function's least privilege.
import { describe, expect, it } from 'vitest';
import { CAPA_POLICY_VERSION } from '../../functions/shared/domain/capa-policy.js';
import { parseRolloutConfig } from '../../lib/rollout-config.js';
import { getAtt, grantsOf, logicalIdOf, ref, statementsOfRole, synth } from './synth.js';

type Definition = {
  States: Record<string, { MaxConcurrency?: number; Label?: string; ToleratedFailurePercentage?: number; ItemProcessor?: { ProcessorConfig?: { Mode?: string } } }>;
};

function definitionOf(s: ReturnType<typeof synth>): Definition {
  const machine = s.resources[logicalIdOf(s.stack.policyRollout.stateMachine)];
  return JSON.parse(machine?.Properties?.DefinitionString as string) as Definition;
}

const withoutBaseline = (grants: string[]) => grants.filter((grant) => !grant.startsWith('xray:') && !grant.startsWith('logs:'));

describe('policy rollout', () => {
  it('runs the rollout ASL with its four task functions and 20 providers at a time by default', () => {
    // Prepare
    const s = synth();
    const rollout = s.stack.policyRollout;

    // Act
    const machine = s.resources[logicalIdOf(rollout.stateMachine)];

    // Assess
    expect(machine?.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      DefinitionSubstitutions: {
        OpenRolloutFunctionArn: getAtt(rollout.openRollout.function),
        RolloutProgressFunctionArn: getAtt(rollout.rolloutProgress.function),
        UpgradeProviderPolicyFunctionArn: getAtt(rollout.upgradeFunction.function),
        CloseRolloutFunctionArn: getAtt(rollout.closeRollout.function),
      },
      TracingConfiguration: { Enabled: true },
    });
    // No tolerated child failure: an upgrade failure is counted inside its child; a child failing outside its Catch halts the rollout (ROLLOUT_ERROR).
    expect(definitionOf(s).States['Upgrade Page']).toMatchObject({
      MaxConcurrency: 20,
      Label: 'UpgradePage',
      ToleratedFailurePercentage: 0,
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' } },
    });
    expect(s.resources[logicalIdOf(rollout.openRollout.function)]?.Properties).toMatchObject({
      Environment: { Variables: expect.objectContaining({ PAGE_SIZE: '500', ROLLOUT_MAX_FAILURES: '10', ROLLOUT_MAX_FAILURE_PERCENT: '10' }) },
    });
  });

  it('follows the context: concurrency, page size and both failure tolerances', () => {
    // Prepare
    const s = synth({ rolloutConcurrency: '1000', rolloutPageSize: '50', rolloutMaxFailures: '0', rolloutMaxFailurePercent: '25' });

    // Act
    const open = s.resources[logicalIdOf(s.stack.policyRollout.openRollout.function)];

    // Assess
    expect(definitionOf(s).States['Upgrade Page']?.MaxConcurrency).toBe(1000);
    expect(open?.Properties).toMatchObject({ Environment: { Variables: expect.objectContaining({ PAGE_SIZE: '50', ROLLOUT_MAX_FAILURES: '0', ROLLOUT_MAX_FAILURE_PERCENT: '25' }) } });
  });

  it('refuses a concurrency over the cap of 1,000, a page over 1,000 and a percentage over 100', () => {
    // Prepare
    const lookup = (values: Record<string, unknown>) => (key: string) => values[key];

    // Act
    const tooConcurrent = () => parseRolloutConfig(lookup({ rolloutConcurrency: 1001 }));
    const pageTooLarge = () => parseRolloutConfig(lookup({ rolloutPageSize: '1001' }));
    const overPercent = () => parseRolloutConfig(lookup({ rolloutMaxFailurePercent: '101' }));
    const negative = () => parseRolloutConfig(lookup({ rolloutMaxFailures: -1 }));

    // Assess
    expect(tooConcurrent).toThrow('Invalid CDK context "rolloutConcurrency"');
    expect(pageTooLarge).toThrow('Invalid CDK context "rolloutPageSize"');
    expect(overPercent).toThrow('Invalid CDK context "rolloutMaxFailurePercent"');
    expect(negative).toThrow('Invalid CDK context "rolloutMaxFailures"');
    expect(parseRolloutConfig(lookup({}))).toEqual({ rolloutConcurrency: 20, rolloutPageSize: 500, rolloutMaxFailures: 10, rolloutMaxFailurePercent: 10 });
  });

  it('starts through a custom resource carrying the bundled policy version, after the state machine and the upgrade function', () => {
    // Prepare
    const s = synth();
    const rollout = s.stack.policyRollout;

    // Act
    const trigger = s.resources[logicalIdOf(rollout.trigger)];

    // Assess
    expect(trigger).toMatchObject({
      Type: 'Custom::PolicyRollout',
      Properties: { ServiceToken: getAtt(rollout.startRollout.function), PolicyVersion: CAPA_POLICY_VERSION },
    });
    expect(CAPA_POLICY_VERSION).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect((trigger as { DependsOn?: string[] } | undefined)?.DependsOn).toEqual(
      expect.arrayContaining([logicalIdOf(rollout.stateMachine), logicalIdOf(rollout.upgradeFunction.function)]),
    );
  });

  it('carries another version when the deployment bundles another policy (capaPolicyFile)', () => {
    // Prepare
    const shipped = synth();
    const fixture = synth({ capaPolicyFile: 'test/fixtures/policies/capa-access-entries.json' });

    // Act
    const versions = [shipped, fixture].map((s) => s.resources[logicalIdOf(s.stack.policyRollout.trigger)]?.Properties?.PolicyVersion);

    // Assess
    expect(versions[0]).toBe(CAPA_POLICY_VERSION);
    expect(versions[1]).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(versions[1]).not.toBe(versions[0]);
  });

  it('lets the state machine invoke its four task functions and run its own child executions, and each function do only its step', () => {
    // Prepare
    const s = synth();
    const { policyRollout: rollout, registry, events } = s.stack;
    const table = JSON.stringify(getAtt(registry.table));
    const executions = JSON.stringify({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':execution:', getAtt(rollout.stateMachine, 'Name'), ':*'],
      ],
    });

    const childExecutions = JSON.stringify({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':execution:', getAtt(rollout.stateMachine, 'Name'), '/UpgradePage:*'],
      ],
    });

    // Act
    const stateMachine = grantsOf(statementsOfRole(s, rollout.stateMachine.role)).filter((grant) => grant.startsWith('lambda:'));
    const children = grantsOf(statementsOfRole(s, rollout.stateMachine.role)).filter((grant) => grant.startsWith('states:'));
    const [open, progress, close, start] = [rollout.openRollout, rollout.rolloutProgress, rollout.closeRollout, rollout.startRollout].map((fn) =>
      withoutBaseline(grantsOf(statementsOfRole(s, fn.role))),
    );

    // Assess
    expect(stateMachine).toEqual(
      [rollout.openRollout, rollout.rolloutProgress, rollout.upgradeFunction, rollout.closeRollout].map((fn) => `lambda:InvokeFunction -> ${JSON.stringify(getAtt(fn.function))}`).sort(),
    );
    expect(children).toEqual([
      `states:DescribeExecution -> ${childExecutions}`,
      `states:StartExecution -> ${JSON.stringify(ref(rollout.stateMachine))}`,
      `states:StopExecution -> ${childExecutions}`,
    ]);
    expect(open).toEqual([`dynamodb:Scan -> ${table}`, `dynamodb:UpdateItem -> ${table}`]);
    expect(progress).toEqual([`dynamodb:GetItem -> ${table}`, `dynamodb:UpdateItem -> ${table}`]);
    expect(close).toEqual([`dynamodb:GetItem -> ${table}`, `dynamodb:UpdateItem -> ${table}`, `events:PutEvents -> ${JSON.stringify(getAtt(events.bus))}`]);
    expect(start).toEqual(
      [
        `dynamodb:DeleteItem -> ${table}`,
        `dynamodb:GetItem -> ${table}`,
        `dynamodb:PutItem -> ${table}`,
        `dynamodb:UpdateItem -> ${table}`,
        `states:DescribeExecution -> ${executions}`,
        `states:StartExecution -> ${JSON.stringify(ref(rollout.stateMachine))}`,
        `states:StopExecution -> ${executions}`,
      ].sort(),
    );
  });
});
