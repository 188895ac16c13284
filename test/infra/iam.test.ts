// Least privilege, per docs/CONTRACTS.md: each function's role holds exactly the calls its
// function makes, plus writing its own log group and X-Ray segments.
import { describe, expect, it } from 'vitest';
import type { OnboardingFunction } from '../../lib/constructs/onboarding-function.js';
import { ORGANIZATIONS_READ_ACTIONS } from '../../lib/constructs/reconcile-organization.js';
import { asList, getAtt, grantsOf, logicalIdOf, partitionArn, ref, statementsOfRole, synth, type Statement, type Synthesized } from './synth.js';

const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

function grantsFor(s: Synthesized, fn: OnboardingFunction): string[] {
  return grantsOf(statementsOfRole(s, fn.role));
}

/** What every function may do besides its own calls. */
function baseline(fn: OnboardingFunction): string[] {
  return [
    ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((a) => `${a} -> ${JSON.stringify(getAtt(fn.logGroup))}`),
    ...XRAY_ACTIONS.map((a) => `${a} -> "*"`),
  ];
}

const grant = (actions: string[], ...resources: unknown[]) => actions.flatMap((a) => resources.map((r) => `${a} -> ${JSON.stringify(r)}`));

describe('function roles', () => {
  const s = synth();
  const { workflow: wf, api, triggers, registry } = s.stack;
  const table = getAtt(registry.table);
  const index = { 'Fn::Join': ['', [table, '/index/byWorkspace']] };
  const stateMachine = ref(wf.stateMachine);
  const executions = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':execution:', getAtt(wf.stateMachine, 'Name'), ':*']],
  };
  // The API's default (also Organizations events') and Control Tower's: exactly the configured names.
  const bootstrapRoles = [partitionArn(':iam::*:role/OrganizationAccountAccessRole'), partitionArn(':iam::*:role/AWSControlTowerExecution')];
  const providerRoles = partitionArn(':iam::*:role/capa-providers/*');
  const managementRole = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/capa-management']] };

  it('api: Get/Put/UpdateItem on the table, Query on table and byWorkspace, StartExecution on the state machines it starts, DescribeExecution on the onboarding executions, Describe/StopExecution on rollouts', () => {
    // Prepare
    const calls = [
      ...grant(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], table),
      ...grant(['dynamodb:Query'], table, index),
      ...grant(['states:StartExecution'], stateMachine),
      ...grant(['states:StartExecution'], ref(s.stack.verification.stateMachine)),
      ...grant(['states:DescribeExecution'], executions),
      ...grant(['states:StartExecution'], ref(s.stack.offboarding.stateMachine)),
      ...grant(['states:DescribeExecution'], {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':execution:', getAtt(s.stack.offboarding.stateMachine, 'Name'), ':*'],
        ],
      }),
      // External ID rotations: started, and confirmed through the waiting execution's task token.
      ...grant(['states:StartExecution', 'states:SendTaskSuccess'], ref(s.stack.rotation.stateMachine)),
      // Policy rollouts: started, answered while they run, closed or superseded (lib/constructs/policy-rollout.ts).
      ...grant(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], table),
      ...grant(['states:StartExecution'], ref(s.stack.policyRollout.stateMachine)),
      ...grant(['states:DescribeExecution', 'states:StopExecution'], {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':execution:', getAtt(s.stack.policyRollout.stateMachine, 'Name'), ':*'],
        ],
      }),
    ];

    // Act
    const grants = grantsFor(s, api.handler);

    // Assess
    expect(grants).toEqual([...baseline(api.handler), ...calls].sort());
  });

  it('account-trigger: Get/Put/UpdateItem on the table, StartExecution, DescribeExecution on its executions, its failures to the dead-letter queue, and reading OU paths and account tags', () => {
    // Prepare
    const organizations = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':organizations::', { Ref: 'AWS::AccountId' }, rest]] });
    const calls = [
      ...grant(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], table),
      ...grant(['states:StartExecution'], stateMachine),
      ...grant(['states:DescribeExecution'], executions),
      ...grant(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'], getAtt(triggers.deadLetterQueue)),
      ...grant(['organizations:ListParents', 'organizations:DescribeOrganizationalUnit'], organizations(':account/o-*/*'), organizations(':ou/o-*/ou-*')),
      ...grant(['organizations:ListTagsForResource'], organizations(':account/o-*/*')),
    ];

    // Act
    const grants = grantsFor(s, triggers.handler);

    // Assess
    expect(grants).toEqual([...baseline(triggers.handler), ...calls].sort());
  });

  it('create-role: AssumeRole on the bootstrap role in any account, UpdateItem and GetItem', () => {
    // Prepare
    const calls = [...grant(['sts:AssumeRole'], ...bootstrapRoles), ...grant(['dynamodb:UpdateItem'], table), ...grant(['dynamodb:GetItem'], table)];

    // Act
    const grants = grantsFor(s, wf.createRole);

    // Assess
    expect(grants).toEqual([...baseline(wf.createRole), ...calls].sort());
  });

  it('attach-policies: AssumeRole on the bootstrap role, GetItem', () => {
    // Prepare
    const calls = [...grant(['sts:AssumeRole'], ...bootstrapRoles), ...grant(['dynamodb:GetItem'], table)];

    // Act
    const grants = grantsFor(s, wf.attachPolicies);

    // Assess
    expect(grants).toEqual([...baseline(wf.attachPolicies), ...calls].sort());
  });

  it('grant-management: Get/PutRolePolicy on the management role only', () => {
    // Prepare
    const calls = grant(['iam:GetRolePolicy', 'iam:PutRolePolicy'], managementRole);

    // Act
    const grants = grantsFor(s, wf.grantManagement);

    // Assess
    expect(grants).toEqual([...baseline(wf.grantManagement), ...calls].sort());
  });

  it('verify-role: AssumeRole on roles under the provider path, UpdateItem', () => {
    // Prepare
    const calls = [...grant(['sts:AssumeRole'], providerRoles), ...grant(['dynamodb:UpdateItem'], table)];

    // Act
    const grants = grantsFor(s, wf.verifyRole);

    // Assess
    expect(grants).toEqual([...baseline(wf.verifyRole), ...calls].sort());
  });

  it('check-provider: GetItem, AssumeRole on the bootstrap role and the provider roles, GetRolePolicy and SimulatePrincipalPolicy on the management role', () => {
    // Prepare
    const fn = s.stack.verification.checkProvider;
    const calls = [
      ...grant(['dynamodb:GetItem'], table),
      ...grant(['sts:AssumeRole'], ...bootstrapRoles, providerRoles),
      ...grant(['iam:GetRolePolicy', 'iam:SimulatePrincipalPolicy'], managementRole),
    ];

    // Act
    const grants = grantsFor(s, fn);

    // Assess
    expect(grants).toEqual([...baseline(fn), ...calls].sort());
  });

  it('record-verification: UpdateItem and PutEvents on the provider bus', () => {
    // Prepare
    const fn = s.stack.verification.recordVerification;
    const calls = [...grant(['dynamodb:UpdateItem'], table), ...grant(['events:PutEvents'], getAtt(s.stack.events.bus))];

    // Act
    const grants = grantsFor(s, fn);

    // Assess
    expect(grants).toEqual([...baseline(fn), ...calls].sort());
  });

  it('record-result: UpdateItem and PutEvents on the provider bus', () => {
    // Prepare
    const calls = [...grant(['dynamodb:UpdateItem'], table), ...grant(['events:PutEvents'], getAtt(s.stack.events.bus))];

    // Act
    const grants = grantsFor(s, wf.recordResult);

    // Assess
    expect(grants).toEqual([...baseline(wf.recordResult), ...calls].sort());
  });

  it('compensate: AssumeRole on the bootstrap role, Get/Put/DeleteRolePolicy on the management role', () => {
    // Prepare
    const calls = [
      ...grant(['sts:AssumeRole'], ...bootstrapRoles),
      ...grant(['iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'], managementRole),
    ];

    // Act
    const grants = grantsFor(s, wf.compensate);

    // Assess
    expect(grants).toEqual([...baseline(wf.compensate), ...calls].sort());
  });

  it('carry no managed policies and trust only Lambda', () => {
    // Prepare
    const fns = [...wf.functions, api.handler, triggers.handler];

    const lambdaOnly = {
      managedPolicies: undefined,
      trust: {
        Version: '2012-10-17',
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      },
    };

    // Act
    const roles = fns
      .map((fn) => s.resources[logicalIdOf(fn.role)]?.Properties ?? {})
      .map((role) => ({ managedPolicies: role.ManagedPolicyArns, trust: role.AssumeRolePolicyDocument }));

    // Assess
    expect(roles).toEqual([lambdaOnly, lambdaOnly, lambdaOnly, lambdaOnly, lambdaOnly, lambdaOnly, lambdaOnly, lambdaOnly]);
  });

  it('assume roles under a configured path and bootstrap role name', () => {
    // Prepare
    const custom = synth({ rolePath: '/platform/capa/', bootstrapRoleName: 'AWSControlTowerExecution' });

    // Act
    const assumed = [custom.stack.workflow.createRole, custom.stack.workflow.verifyRole].map((fn) =>
      grantsFor(custom, fn).filter((g) => g.startsWith('sts:AssumeRole')),
    );

    // Assess
    expect(assumed).toEqual([
      grant(['sts:AssumeRole'], partitionArn(':iam::*:role/AWSControlTowerExecution')),
      grant(['sts:AssumeRole'], partitionArn(':iam::*:role/platform/capa/*')),
    ]);
  });
});

describe('every policy in the template', () => {
  const s = synth();
  const statements: Array<{ policy: string; statement: Statement }> = [];
  for (const [id, resource] of Object.entries(s.resources)) {
    const documents: unknown[] = [];
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') documents.push(resource.Properties?.PolicyDocument);
    if (resource.Type === 'AWS::IAM::Role') {
      for (const p of (resource.Properties?.Policies ?? []) as Array<{ PolicyDocument: unknown }>) documents.push(p.PolicyDocument);
    }
    for (const document of documents) {
      for (const statement of asList((document as { Statement: Statement | Statement[] }).Statement)) statements.push({ policy: id, statement });
    }
  }
  const allows = statements.filter(({ statement }) => statement.Effect === 'Allow');

  it('has no wildcard actions, no iam:* and no iam:PassRole', () => {
    // Prepare
    const actions = allows.flatMap(({ statement }) => asList(statement.Action));

    // Act
    const offending = actions.filter((action) => action.includes('*') || action === 'iam:PassRole');

    // Assess
    // Every Allow statement of the stack is swept: a new one changes this count and gets a look.
    // The policy rollout adds 28 (test/infra/policy-rollout.test.ts), 2 of them its Distributed Map's.
    expect(allows).toHaveLength(156);
    expect(allows.length).toBeGreaterThan(0);
    expect(offending).toEqual([]);
  });

  it('uses Resource "*" only for X-Ray and Step Functions log delivery, which have no resource-level permissions', () => {
    // Prepare
    const logDelivery = /^logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)$/;
    const smPolicy = logicalIdOf(s.stack.workflow.stateMachine.role.node.findChild('DefaultPolicy'));
    const offboardingSmPolicy = logicalIdOf(s.stack.offboarding.stateMachine.role.node.findChild('DefaultPolicy'));
    const verificationSmPolicy = logicalIdOf(s.stack.verification.stateMachine.role.node.findChild('DefaultPolicy'));
    const rotationSmPolicy = logicalIdOf(s.stack.rotation.stateMachine.role.node.findChild('DefaultPolicy'));
    const sweepSmPolicy = logicalIdOf(s.stack.fleetSweep.stateMachine.role.node.findChild('DefaultPolicy'));
    const rolloutSmPolicy = logicalIdOf(s.stack.policyRollout.stateMachine.role.node.findChild('DefaultPolicy'));
    const policyOf = (fn: OnboardingFunction) => logicalIdOf(fn.role.node.findChild('DefaultPolicy'));
    const { workflow: wf, offboarding, api, triggers, executionEnded, verification, departures } = s.stack;

    // Act
    const wildcardResourceActions = allows
      .filter(({ statement }) => asList(statement.Resource).includes('*'))
      .flatMap(({ policy, statement }) => asList(statement.Action).map((action) => ({ policy, action })));
    const actionsByPolicy: Record<string, string[]> = {};
    for (const { policy, action } of wildcardResourceActions) (actionsByPolicy[policy] ??= []).push(action);

    // Assess
    const reconcilePolicy = policyOf(s.stack.fleetSweep.reconcileOrganization);
    const outsideTheRule = wildcardResourceActions.filter(
      ({ policy, action }) =>
        !(
          action.startsWith('xray:') ||
          ([smPolicy, offboardingSmPolicy, verificationSmPolicy, rotationSmPolicy, sweepSmPolicy, rolloutSmPolicy].includes(policy) && logDelivery.test(action)) ||
          // The reconcile's read-only Organizations listings (lib/constructs/reconcile-organization.ts).
          (policy === reconcilePolicy && ORGANIZATIONS_READ_ACTIONS.includes(action))
        ),
    );
    expect(outsideTheRule).toEqual([]);
    const stateMachineWildcards = [
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
    ];
    expect(actionsByPolicy[verificationSmPolicy]).toEqual(stateMachineWildcards);
    expect(actionsByPolicy[sweepSmPolicy]).toEqual(stateMachineWildcards);
    expect(actionsByPolicy).toEqual({
      ...Object.fromEntries(
        [
          ...wf.functions,
          ...offboarding.functions,
          verification.checkProvider,
          verification.recordVerification,
          api.handler,
          triggers.handler,
          executionEnded.handler,
          s.stack.rotation.rotate,
          s.stack.rotation.ended,
          s.stack.fleetSweep.listFleet,
          s.stack.fleetSweep.repairProvider,
          s.stack.fleetSweep.recordSweep,
          departures.handler,
          s.stack.policyRollout.openRollout,
          s.stack.policyRollout.rolloutProgress,
          s.stack.policyRollout.closeRollout,
          s.stack.policyRollout.startRollout,
          s.stack.policyRollout.upgradeFunction,
        ].map((fn) => [policyOf(fn), XRAY_ACTIONS]),
      ),
      [reconcilePolicy]: [...XRAY_ACTIONS, ...ORGANIZATIONS_READ_ACTIONS],
      [verificationSmPolicy]: stateMachineWildcards,
      [sweepSmPolicy]: stateMachineWildcards,
      [rolloutSmPolicy]: stateMachineWildcards,
      [offboardingSmPolicy]: stateMachineWildcards,
      [rotationSmPolicy]: stateMachineWildcards,
      [smPolicy]: [
        'logs:CreateLogDelivery',
        'logs:GetLogDelivery',
        'logs:UpdateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:DescribeResourcePolicies',
        'logs:DescribeLogGroups',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
      ],
    });
  });

  it('writes (and reads, for re-verification) IAM only on the management role', () => {
    // Prepare
    const managementRole = JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/capa-management']] });

    // Act
    const iamGrants = allows.filter(({ statement }) => asList(statement.Action).some((a) => a.startsWith('iam:')));

    // Assess
    expect(iamGrants.length).toBe(7);
    expect(iamGrants.map(({ statement }) => asList(statement.Resource).map((r) => JSON.stringify(r)))).toEqual([
      [managementRole],
      [managementRole],
      [managementRole],
      [managementRole],
      [managementRole],
      [managementRole],
      [managementRole],
    ]);
  });
});
