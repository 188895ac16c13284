// The offboarding workflow as deployed: its state machine loads the ASL file with each placeholder
// bound to its function, its three functions hold exactly what they call, the API may start it,
// and its ended executions converge the registry through execution-ended.
import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { OFFBOARDING_DEFINITION_FILE } from '../../lib/constructs/offboarding-workflow.js';
import { getAtt, grantsOf, logicalIdOf, partitionArn, ref, statementsOfRole, synth } from './synth.js';

const XRAY = ['xray:PutTraceSegments -> "*"', 'xray:PutTelemetryRecords -> "*"'];
const managementRole = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/capa-management']] };

describe('offboarding workflow', () => {
  const s = synth();
  const { offboarding, registry, events, executionEnded } = s.stack;

  it('is a Standard state machine loaded from the ASL file, each placeholder bound to its function ARN', () => {
    // Prepare
    const placeholders = [...readFileSync(OFFBOARDING_DEFINITION_FILE, 'utf8').matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]);

    // Act
    const machine = s.resources[logicalIdOf(offboarding.stateMachine)];

    // Assess
    expect(new Set(placeholders)).toEqual(new Set(['RevokeGrantFunctionArn', 'RemoveProviderResourcesFunctionArn', 'RecordOffboardingFunctionArn']));
    expect(machine?.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      DefinitionSubstitutions: {
        RevokeGrantFunctionArn: getAtt(offboarding.revokeGrant.function),
        RemoveProviderResourcesFunctionArn: getAtt(offboarding.removeProviderResources.function),
        RecordOffboardingFunctionArn: getAtt(offboarding.recordOffboarding.function),
      },
      TracingConfiguration: { Enabled: true },
    });
    expect(Object.keys(machine?.Properties?.DefinitionSubstitutions as object)).toHaveLength(3);
  });

  it('lets its role invoke its three task functions and nothing else', () => {
    // Act
    const grants = grantsOf(statementsOfRole(s, offboarding.stateMachine.role)).filter((grant) => grant.startsWith('lambda:'));

    // Assess
    expect(grants.sort()).toEqual(
      [
        `lambda:InvokeFunction -> ${JSON.stringify(getAtt(offboarding.revokeGrant.function))}`,
        `lambda:InvokeFunction -> ${JSON.stringify(getAtt(offboarding.removeProviderResources.function))}`,
        `lambda:InvokeFunction -> ${JSON.stringify(getAtt(offboarding.recordOffboarding.function))}`,
      ].sort(),
    );
  });

  it('revoke-grant: Get/Put/DeleteRolePolicy on the management role only', () => {
    // Act
    const grants = grantsOf(statementsOfRole(s, offboarding.revokeGrant.role)).filter((grant) => !grant.startsWith('logs:'));

    // Assess
    expect(grants.sort()).toEqual(
      [
        ...['iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'].map((action) => `${action} -> ${JSON.stringify(managementRole)}`),
        ...XRAY,
      ].sort(),
    );
  });

  it('remove-provider-resources: AssumeRole on the bootstrap role only (its session policy limits IAM to the product path)', () => {
    // Act
    const grants = grantsOf(statementsOfRole(s, offboarding.removeProviderResources.role)).filter((grant) => !grant.startsWith('logs:'));

    // Assess
    expect(grants.sort()).toEqual(
      [
        `sts:AssumeRole -> ${JSON.stringify(partitionArn(':iam::*:role/OrganizationAccountAccessRole'))}`,
        `sts:AssumeRole -> ${JSON.stringify(partitionArn(':iam::*:role/AWSControlTowerExecution'))}`,
        ...XRAY,
      ].sort(),
    );
  });

  it('record-offboarding: UpdateItem on the table and PutEvents on the provider bus', () => {
    // Act
    const grants = grantsOf(statementsOfRole(s, offboarding.recordOffboarding.role)).filter((grant) => !grant.startsWith('logs:'));

    // Assess
    expect(grants.sort()).toEqual(
      [
        `dynamodb:UpdateItem -> ${JSON.stringify(getAtt(registry.table))}`,
        `events:PutEvents -> ${JSON.stringify(getAtt(events.bus))}`,
        ...XRAY,
      ].sort(),
    );
  });

  it('gives the functions their variables of docs/CONTRACTS.md', () => {
    // Act
    const variables = offboarding.functions.map((fn) => (s.resources[logicalIdOf(fn.function)]?.Properties?.Environment as { Variables: object }).Variables);

    // Assess
    const common = { POWERTOOLS_SERVICE_NAME: 'capa-provider-onboarding', POWERTOOLS_LOG_LEVEL: 'INFO', PARTITION: { Ref: 'AWS::Partition' } };
    expect(variables).toEqual([
      { ...common, MANAGEMENT_ROLE_ARN: managementRole, ROLE_PATH: '/capa-providers/', GRANT_MODE: 'path' },
      { ...common, BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole', ROLE_PATH: '/capa-providers/' },
      { ...common, TABLE_NAME: ref(registry.table), EVENT_BUS_NAME: ref(events.bus), EVENT_SOURCE: 'capa-provider-onboarding' },
    ]);
  });

  it("sends its ABORTED, TIMED_OUT and FAILED executions to execution-ended, like the onboarding's", () => {
    // Act
    const rule = s.resources[logicalIdOf(executionEnded.offboardingRule!)];

    // Assess
    expect(rule?.Properties?.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [ref(offboarding.stateMachine)], status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
    });
    expect(rule?.Properties?.Targets).toEqual([
      expect.objectContaining({
        Arn: getAtt(executionEnded.handler.function),
        RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 8 },
        DeadLetterConfig: { Arn: getAtt(executionEnded.deadLetterQueue) },
      }),
    ]);
  });

  it('is started by the API function: its ARN in OFFBOARDING_STATE_MACHINE_ARN', () => {
    // Act
    const variables = (s.resources[logicalIdOf(s.stack.api.handler.function)]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;

    // Assess
    expect(variables.OFFBOARDING_STATE_MACHINE_ARN).toEqual(ref(offboarding.stateMachine));
    s.template.hasOutput('OffboardingStateMachineArn', { Value: ref(offboarding.stateMachine) });
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', { DefinitionS3Location: Match.objectLike({ Key: Match.stringLikeRegexp('\\.json$') }) });
  });
});
