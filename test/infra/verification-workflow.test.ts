// The re-verification state machine as synthesized: the ASL file with both placeholders bound,
// logging and tracing like the onboarding's, and its two functions' environment (docs/CONTRACTS.md).
import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { VERIFICATION_DEFINITION_FILE } from '../../lib/constructs/verification-workflow.js';
import { getAtt, logicalIdOf, ref, synth } from './synth.js';

describe('verification state machine', () => {
  const s = synth();
  const { verification, registry } = s.stack;

  it('is a Standard state machine from verify-provider.asl.json, each placeholder bound to its function', () => {
    // Prepare
    const placeholders = [...readFileSync(VERIFICATION_DEFINITION_FILE, 'utf8').matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]);

    // Act
    const machine = s.resources[logicalIdOf(verification.stateMachine)];

    // Assess
    expect(new Set(placeholders)).toEqual(new Set(['CheckProviderFunctionArn', 'RecordVerificationFunctionArn']));
    expect(machine?.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      DefinitionSubstitutions: {
        CheckProviderFunctionArn: getAtt(verification.checkProvider.function),
        RecordVerificationFunctionArn: getAtt(verification.recordVerification.function),
      },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      TracingConfiguration: { Enabled: true },
    });
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: Match.objectLike({ CheckProviderFunctionArn: Match.anyValue() }),
      LoggingConfiguration: {
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VerificationWorkflowExecutionLogs'), 'Arn'] } } }],
      },
    });
  });

  it('gives check-provider and record-verification exactly the environment of docs/CONTRACTS.md', () => {
    // Prepare
    const managementRole = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/capa-management']] };
    const environmentOf = (fn: typeof verification.checkProvider) => s.resources[logicalIdOf(fn.function)]?.Properties?.Environment;
    const common = { POWERTOOLS_SERVICE_NAME: 'capa-provider-onboarding', POWERTOOLS_LOG_LEVEL: 'INFO', PARTITION: { Ref: 'AWS::Partition' } };

    // Act
    const check = environmentOf(verification.checkProvider);
    const record = environmentOf(verification.recordVerification);

    // Assess
    expect(check).toEqual({
      Variables: {
        ...common,
        TABLE_NAME: ref(registry.table),
        BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole',
        ROLE_PATH: '/capa-providers/',
        MANAGEMENT_PRINCIPAL_ARN: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] },
        MANAGEMENT_ROLE_ARN: managementRole,
        GRANT_MODE: 'path',
      },
    });
    expect(record).toEqual({
      Variables: { ...common, TABLE_NAME: ref(registry.table), EVENT_BUS_NAME: ref(s.stack.events.bus), EVENT_SOURCE: 'capa-provider-onboarding' },
    });
  });

  it('exposes its ARN as the VerificationStateMachineArn output', () => {
    // Act
    const outputs = s.template.findOutputs('VerificationStateMachineArn');

    // Assess
    expect(Object.values(outputs)).toEqual([{ Value: ref(verification.stateMachine) }]);
  });
});
