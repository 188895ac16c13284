// The External ID rotation in the stack: its state machine is the ASL file as is (the callback
// state waiting for the caller's confirmation or rotationGraceSeconds), its functions hold exactly
// what they call, the api function may start rotations and answer their task tokens, and a rule
// rolls back a rotation whose execution ended without closing it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lib/config.js';
import { ROTATION_DEFINITION_FILE } from '../../lib/constructs/rotation-workflow.js';
import { getAtt, grantsOf, logicalIdOf, partitionArn, ref, statementsOfRole, synth } from './synth.js';

describe('rotation workflow', () => {
  const s = synth();
  const { rotation, api, registry, events } = s.stack;

  it('deploys the ASL file with the step function substituted, waiting on a task token for the grace period', () => {
    // Act
    const machine = s.resources[logicalIdOf(rotation.stateMachine)]!;
    const definition = JSON.parse(readFileSync(ROTATION_DEFINITION_FILE, 'utf8')) as { States: Record<string, Record<string, unknown>> };

    // Assess
    expect(machine.Properties?.DefinitionSubstitutions).toEqual({ RotateExternalIdFunctionArn: getAtt(rotation.rotate.function) });
    expect(definition.States['Await Confirmation Or Grace End']).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      TimeoutSecondsPath: '$.rotation.graceSeconds',
      Parameters: { FunctionName: '${RotateExternalIdFunctionArn}', Payload: { 'taskToken.$': '$$.Task.Token' } },
      Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Grace Period Ended' }, { ErrorEquals: ['States.ALL'], Next: 'Roll Back Rotation' }],
    });
  });

  it('lets the api function start rotations and confirm them, on the rotation state machine only, with the grace from the context', () => {
    // Act
    const grants = grantsOf(statementsOfRole(s, api.handler.role));
    const environment = (s.resources[logicalIdOf(api.handler.function)]!.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment.Variables;

    // Assess
    expect(grants).toEqual(
      expect.arrayContaining([`states:StartExecution -> ${JSON.stringify(ref(rotation.stateMachine))}`, `states:SendTaskSuccess -> ${JSON.stringify(ref(rotation.stateMachine))}`]),
    );
    expect(environment).toMatchObject({ ROTATION_STATE_MACHINE_ARN: ref(rotation.stateMachine), ROTATION_GRACE_SECONDS: '86400' });
  });

  it('gives the step function the registry, the bootstrap and provider roles and the bus, and nothing else', () => {
    // Act
    const grants = grantsOf(statementsOfRole(s, rotation.rotate.role)).filter((grant) => !grant.startsWith('logs:') && !grant.startsWith('xray:'));

    // Assess
    expect(grants.sort()).toEqual(
      [
        `dynamodb:GetItem -> ${JSON.stringify(getAtt(registry.table))}`,
        `dynamodb:UpdateItem -> ${JSON.stringify(getAtt(registry.table))}`,
        `events:PutEvents -> ${JSON.stringify(getAtt(events.bus))}`,
        `sts:AssumeRole -> ${JSON.stringify(partitionArn(':iam::*:role/OrganizationAccountAccessRole'))}`,
        `sts:AssumeRole -> ${JSON.stringify(partitionArn(':iam::*:role/AWSControlTowerExecution'))}`,
        `sts:AssumeRole -> ${JSON.stringify(partitionArn(':iam::*:role/capa-providers/*'))}`,
      ].sort(),
    );
  });

  it("rolls back a rotation left open: the rotation state machine's ABORTED, TIMED_OUT and FAILED executions go to rotation-ended", () => {
    // Act
    const rules = Object.values(s.resources).filter((resource) => resource.Type === 'AWS::Events::Rule');
    const rule = rules.find((resource) => JSON.stringify(resource.Properties?.EventPattern).includes(JSON.stringify(ref(rotation.stateMachine))));

    // Assess
    expect(rule?.Properties?.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [ref(rotation.stateMachine)], status: ['ABORTED', 'TIMED_OUT', 'FAILED'] },
    });
    expect(rule?.Properties?.Targets).toEqual([expect.objectContaining({ Arn: getAtt(rotation.ended.function) })]);
  });
});

describe('rotationGraceSeconds', () => {
  it('defaults to a day and takes 1 to 604800 seconds, as a number or digits', () => {
    // Act
    const values = [undefined, 1, '3600', 604_800].map((value) => parseConfig((key) => (key === 'rotationGraceSeconds' ? value : undefined)).rotationGraceSeconds);

    // Assess
    expect(values).toEqual([86_400, 1, 3600, 604_800]);
  });

  it('refuses zero, more than a week, and anything not an integer', () => {
    // Act
    const errors = [0, 604_801, 'a day', 1.5].map((value) => {
      try {
        parseConfig((key) => (key === 'rotationGraceSeconds' ? value : undefined));
        return undefined;
      } catch (error) {
        return error instanceof ConfigError ? error.key : String(error);
      }
    });

    // Assess
    expect(errors).toEqual(['rotationGraceSeconds', 'rotationGraceSeconds', 'rotationGraceSeconds', 'rotationGraceSeconds']);
  });
});
