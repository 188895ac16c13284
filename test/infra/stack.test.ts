import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../local/events/pattern.js';
import { getAtt, logicalIdOf, partitionArn, ref, synth, type Synthesized } from './synth.js';
import { CAPA_POLICY_VERSION as SHIPPED_POLICY_VERSION } from '../../functions/shared/domain/capa-policy.js';

const ASL_FILE = new URL('../../statemachine/onboard-provider.asl.json', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../../shared/fixtures/events/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

describe('registry table', () => {
  it('is keyed by providerId with the byWorkspace index, on demand, recoverable and protected', () => {
    // Prepare
    const { template } = synth();

    // Act
    const tables = template.findResources('AWS::DynamoDB::Table');

    // Assess
    expect(Object.keys(tables)).toHaveLength(1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'providerId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byWorkspace',
            KeySchema: [
              { AttributeName: 'workspace', KeyType: 'HASH' },
              { AttributeName: 'name', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
          {
            IndexName: 'byAccount',
            KeySchema: [
              { AttributeName: 'accountId', KeyType: 'HASH' },
              { AttributeName: 'providerId', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'providerId', AttributeType: 'S' },
          { AttributeName: 'workspace', AttributeType: 'S' },
          { AttributeName: 'name', AttributeType: 'S' },
          { AttributeName: 'accountId', AttributeType: 'S' },
        ]),
      }),
    });
  });
});

describe('provider events', () => {
  it('creates the capa-provider-onboarding bus and hands its name and source to record-result', () => {
    // Prepare
    const s = synth();

    // Act
    const recordResult = s.resources[logicalIdOf(s.stack.workflow.recordResult.function)];

    // Assess
    s.template.hasResourceProperties('AWS::Events::EventBus', { Name: 'capa-provider-onboarding' });
    expect(recordResult?.Properties?.Environment).toEqual({
      Variables: {
        POWERTOOLS_SERVICE_NAME: 'capa-provider-onboarding',
        POWERTOOLS_LOG_LEVEL: 'INFO', PARTITION: { Ref: 'AWS::Partition' },
        TABLE_NAME: ref(s.stack.registry.table),
        EVENT_BUS_NAME: ref(s.stack.events.bus),
        EVENT_SOURCE: 'capa-provider-onboarding',
      },
    });
  });
});

describe('onboarding state machine', () => {
  it('is a Standard state machine loaded from the ASL file, each placeholder bound to its function ARN', () => {
    // Prepare
    const s = synth();
    const wf = s.stack.workflow;
    const placeholders = [...readFileSync(ASL_FILE, 'utf8').matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]);

    // Act
    const machines = s.template.findResources('AWS::StepFunctions::StateMachine');

    // Assess: onboarding, offboarding (test/infra/offboarding.test.ts), re-verification
    // (test/infra/verification-workflow.test.ts), rotation (test/infra/rotation.test.ts) and the fleet
    // sweep (test/infra/fleet-sweep.test.ts) and the policy rollout (test/infra/policy-rollout.test.ts)
    expect(Object.keys(machines)).toHaveLength(6);
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      DefinitionS3Location: Match.objectLike({ Key: Match.stringLikeRegexp('\\.json$') }),
      DefinitionString: Match.absent(),
      DefinitionSubstitutions: Match.exact({
        CreateRoleFunctionArn: getAtt(wf.createRole.function),
        AttachPoliciesFunctionArn: getAtt(wf.attachPolicies.function),
        GrantManagementFunctionArn: getAtt(wf.grantManagement.function),
        VerifyRoleFunctionArn: getAtt(wf.verifyRole.function),
        RecordResultFunctionArn: getAtt(wf.recordResult.function),
        CompensateFunctionArn: getAtt(wf.compensate.function),
      }),
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OnboardingWorkflowExecutionLogs'), 'Arn'] } } }],
      },
      TracingConfiguration: { Enabled: true },
    });
    // Every placeholder in the file has a substitution, so none reaches Step Functions unresolved.
    expect(new Set(placeholders)).toEqual(
      new Set(['CreateRoleFunctionArn', 'AttachPoliciesFunctionArn', 'GrantManagementFunctionArn', 'VerifyRoleFunctionArn', 'RecordResultFunctionArn', 'CompensateFunctionArn']),
    );
  });

  it('ships the ASL file byte for byte as the definition asset', () => {
    // Prepare
    const s = synth();
    const machine = Object.values(s.template.findResources('AWS::StepFunctions::StateMachine'))[0];
    const key = (machine?.Properties.DefinitionS3Location as { Key: string }).Key;

    // Act
    const assembly = s.app.synth();
    const staged = readFileSync(`${assembly.directory}/asset.${key}`, 'utf8');

    // Assess
    expect(staged).toBe(readFileSync(ASL_FILE, 'utf8'));
  });

  it('lets its role invoke the six task functions and nothing else', () => {
    // Prepare
    const s = synth();
    const wf = s.stack.workflow;

    // Act
    const invokeStatements = Object.values(s.template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => (policy.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>))
      .filter((statement) => JSON.stringify(statement.Action).includes('lambda:'))
      // The rotation state machine's own grant is checked in test/infra/rotation.test.ts.
      .filter((statement) => (statement as { Sid?: string }).Sid !== 'InvokeRotationFunction');

    // Assess: the onboarding workflow's, the verification workflow's, then the offboarding
    // workflow's (test/infra/offboarding.test.ts), then the fleet sweep's (test/infra/fleet-sweep.test.ts),
    // then the policy rollout's (test/infra/policy-rollout.test.ts)
    expect(invokeStatements).toHaveLength(5);
    expect(invokeStatements.slice(0, 2)).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Resource: [
          getAtt(wf.createRole.function),
          getAtt(wf.attachPolicies.function),
          getAtt(wf.grantManagement.function),
          getAtt(wf.verifyRole.function),
          getAtt(wf.recordResult.function),
          getAtt(wf.compensate.function),
        ],
      }),
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Resource: [getAtt(s.stack.verification.checkProvider.function), getAtt(s.stack.verification.recordVerification.function)],
      }),
    ]);
    s.template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [ref(wf.stateMachine.role)],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'lambda:InvokeFunction' })]) },
    });
  });
});

describe('functions', () => {
  it('all run nodejs22.x on arm64 with active tracing, 256 MB, index.handler and their own log group', () => {
    // Prepare
    const s = synth();
    const all = [
      ...s.stack.workflow.functions,
      ...s.stack.offboarding.functions,
      s.stack.verification.checkProvider,
      s.stack.verification.recordVerification,
      s.stack.api.handler,
      s.stack.triggers.handler,
      s.stack.executionEnded.handler,
      s.stack.rotation.rotate,
      s.stack.rotation.ended,
      s.stack.fleetSweep.listFleet,
      s.stack.fleetSweep.repairProvider,
      s.stack.fleetSweep.recordSweep,
      s.stack.fleetSweep.reconcileOrganization,
      s.stack.departures.handler,
      s.stack.policyRollout.openRollout,
      s.stack.policyRollout.rolloutProgress,
      s.stack.policyRollout.closeRollout,
      s.stack.policyRollout.startRollout,
      s.stack.policyRollout.upgradeFunction,
    ];

    // Act
    const functions = s.template.findResources('AWS::Lambda::Function');

    // Assess
    expect(all).toHaveLength(26);
    expect(Object.keys(functions).sort()).toEqual(all.map((fn) => logicalIdOf(fn.function)).sort());
    for (const fn of all) {
      const resource = s.resources[logicalIdOf(fn.function)]!;
      expect(resource.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 256,
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: ref(fn.logGroup) },
      });
      // The local cloud finds each bundle through this metadata (bundle.test.ts checks its contents).
      expect(resource.Metadata?.['aws:asset:path']).toEqual(expect.any(String));
    }
    // One per function, plus the six state machines' execution logs and the API's access logs.
    s.template.resourceCountIs('AWS::Logs::LogGroup', 33);
    s.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
  });

  it('give API and trigger 10 s, verification (which polls until IAM propagates) 60 s and the other workflow steps 30 s', () => {
    // Prepare
    const s = synth();

    // Act
    const timeoutOf = (fn: { function: import('constructs').IConstruct }) => s.resources[logicalIdOf(fn.function)]?.Properties?.Timeout;

    // Assess
    expect(timeoutOf(s.stack.api.handler)).toBe(10);
    expect(timeoutOf(s.stack.triggers.handler)).toBe(10);
    expect(s.stack.workflow.functions.map(timeoutOf)).toEqual([30, 30, 30, 60, 30, 30]);
  });

  it('receive exactly the environment of docs/CONTRACTS.md', () => {
    // Prepare
    const s = synth();
    const { workflow: wf, api, triggers, registry } = s.stack;
    const table = ref(registry.table);
    const stateMachine = ref(wf.stateMachine);
    const managementRole = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/capa-management']] };
    const expected = new Map<{ function: import('constructs').IConstruct }, Record<string, unknown>>([
      [
        api.handler,
        {
          TABLE_NAME: table,
          STATE_MACHINE_ARN: stateMachine,
          ROLE_PATH: '/capa-providers/',
          ROLE_NAME_PREFIX: 'capa-',
          CLUSTER_IDENTITY_DURATION_SECONDS: '3600',
          CLUSTER_IDENTITY_SOURCE_KIND: 'AWSClusterControllerIdentity',
          CLUSTER_IDENTITY_SOURCE_NAME: 'default',
          WORKSPACE_NAMESPACES: '{}',
          OFFBOARDING_STATE_MACHINE_ARN: ref(s.stack.offboarding.stateMachine),
          VERIFICATION_STATE_MACHINE_ARN: ref(s.stack.verification.stateMachine),
          ROTATION_STATE_MACHINE_ARN: ref(s.stack.rotation.stateMachine),
          ROTATION_GRACE_SECONDS: '86400',
          ROLLOUT_STATE_MACHINE_ARN: ref(s.stack.policyRollout.stateMachine),
          POLICY_VERSION: SHIPPED_POLICY_VERSION,
        },
      ],
      [
        triggers.handler,
        {
          TABLE_NAME: table,
          STATE_MACHINE_ARN: stateMachine,
          ROLE_PATH: '/capa-providers/',
          ROLE_NAME_PREFIX: 'capa-',
          DEFAULT_WORKSPACE: 'default',
          NEW_ACCOUNT_RULES: '[]',
          BOOTSTRAP_ROLES: '{"organizations":"OrganizationAccountAccessRole","controltower":"AWSControlTowerExecution"}',
        },
      ],
      [
        wf.createRole,
        {
          TABLE_NAME: table,
          BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole',
          ROLE_PATH: '/capa-providers/',
          MANAGEMENT_PRINCIPAL_ARN: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] },
        },
      ],
      [wf.attachPolicies, { TABLE_NAME: table, BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole', ROLE_PATH: '/capa-providers/' }],
      [wf.grantManagement, { MANAGEMENT_ROLE_ARN: managementRole, ROLE_PATH: '/capa-providers/', GRANT_MODE: 'path' }],
      [wf.verifyRole, { TABLE_NAME: table, VERIFY_TIMEOUT_SECONDS: '120' }],
      [wf.recordResult, { TABLE_NAME: table, EVENT_BUS_NAME: ref(s.stack.events.bus), EVENT_SOURCE: 'capa-provider-onboarding' }],
      [wf.compensate, { BOOTSTRAP_ROLE_NAME: 'OrganizationAccountAccessRole', ROLE_PATH: '/capa-providers/', MANAGEMENT_ROLE_ARN: managementRole, GRANT_MODE: 'path' }],
    ]);

    // Act
    const environments = [...expected.keys()].map((fn) => s.resources[logicalIdOf(fn.function)]?.Properties?.Environment);

    // Assess
    expect(environments).toEqual(
      [...expected.values()].map((variables) => ({
        Variables: { POWERTOOLS_SERVICE_NAME: 'capa-provider-onboarding', POWERTOOLS_LOG_LEVEL: 'INFO', PARTITION: { Ref: 'AWS::Partition' }, ...variables },
      })),
    );
  });

  it('follow the context: another management account, role names, path, workspace and grant mode', () => {
    // Prepare
    const s = synth({
      managementAccountId: '111122223333',
      managementRoleName: 'kommander',
      bootstrapRoleName: 'AWSControlTowerExecution',
      rolePath: '/platform/capa/',
      roleNamePrefix: 'k-',
      defaultWorkspace: 'landing-zone',
      grantMode: 'per-role',
      verifyTimeoutSeconds: '300',
    });
    const envOf = (fn: { function: import('constructs').IConstruct }) =>
      (s.resources[logicalIdOf(fn.function)]?.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;

    // Act
    const create = envOf(s.stack.workflow.createRole);
    const compensate = envOf(s.stack.workflow.compensate);
    const trigger = envOf(s.stack.triggers.handler);
    const verify = envOf(s.stack.workflow.verifyRole);

    // Assess
    expect(create).toMatchObject({ BOOTSTRAP_ROLE_NAME: 'AWSControlTowerExecution', ROLE_PATH: '/platform/capa/', MANAGEMENT_PRINCIPAL_ARN: partitionArn(':iam::111122223333:root') });
    expect(compensate).toMatchObject({ MANAGEMENT_ROLE_ARN: partitionArn(':iam::111122223333:role/kommander'), GRANT_MODE: 'per-role' });
    expect(trigger).toMatchObject({ DEFAULT_WORKSPACE: 'landing-zone', ROLE_NAME_PREFIX: 'k-' });
    expect(verify).toMatchObject({ VERIFY_TIMEOUT_SECONDS: '300' });
  });
});

describe('new-account rules', () => {
  /** The two rules of the new-account triggers (the stack has others on the default bus). */
  const newAccountRules = (s: Synthesized) => [s.stack.triggers.organizationsRule, s.stack.triggers.controlTowerRule].map((rule) => s.resources[logicalIdOf(rule)]!);
  const ORGANIZATIONS = {
    source: ['aws.organizations'],
    detail: { eventName: ['CreateAccountResult'], serviceEventDetails: { createAccountStatus: { state: ['SUCCEEDED'] } } },
  };
  const CONTROL_TOWER = {
    source: ['aws.controltower'],
    detail: {
      eventName: ['CreateManagedAccount', 'UpdateManagedAccount'],
      $or: [
        { serviceEventDetails: { createManagedAccountStatus: { state: ['SUCCEEDED'] } } },
        { serviceEventDetails: { updateManagedAccountStatus: { state: ['SUCCEEDED'] } } },
      ],
    },
  };

  it('match the CONTRACTS.md patterns on the default bus and target account-trigger with retries and an SSL-only DLQ', () => {
    // Prepare
    const s = synth();
    const target = {
      Arn: getAtt(s.stack.triggers.handler.function),
      DeadLetterConfig: { Arn: getAtt(s.stack.triggers.deadLetterQueue) },
      RetryPolicy: { MaximumRetryAttempts: Match.anyValue(), MaximumEventAgeInSeconds: Match.anyValue() },
    };

    // Act
    const rules = newAccountRules(s);

    // Assess
    expect(rules.map((rule) => rule.Properties?.EventPattern)).toEqual([ORGANIZATIONS, CONTROL_TOWER]);
    // No EventBusName: both rules are on the default bus, where Organizations and Control Tower publish.
    expect(rules.map((rule) => rule.Properties?.EventBusName)).toEqual([undefined, undefined]);
    for (const pattern of [ORGANIZATIONS, CONTROL_TOWER]) {
      s.template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.exact(pattern),
        State: 'ENABLED',
        Targets: [Match.objectLike(target)],
      });
    }
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(s.stack.triggers.deadLetterQueue)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    s.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: getAtt(s.stack.triggers.handler.function),
    });
  });

  it('match the sample Organizations and Control Tower events, and not a failed account', () => {
    // Prepare
    const s = synth();
    const patterns = newAccountRules(s).map((rule) => rule.Properties?.EventPattern);
    const [organizations, controlTower] = patterns;
    const created = fixture('organizations-create-account-result');
    const failed = structuredClone(created) as { detail: { serviceEventDetails: { createAccountStatus: { state: string } } } };
    failed.detail.serviceEventDetails.createAccountStatus.state = 'FAILED';

    // Act
    const outcomes = {
      organizationsCreated: matchesPattern(organizations, created),
      organizationsFailed: matchesPattern(organizations, failed),
      controlTowerCreated: matchesPattern(controlTower, fixture('controltower-create-managed-account')),
      controlTowerUpdated: matchesPattern(controlTower, fixture('controltower-update-managed-account')),
      crossMatch: matchesPattern(controlTower, created),
    };

    // Assess
    expect(patterns).toHaveLength(2);
    expect(outcomes).toEqual({
      organizationsCreated: true,
      organizationsFailed: false,
      controlTowerCreated: true,
      controlTowerUpdated: true,
      crossMatch: false,
    });
  });
});

describe('providers API', () => {
  it('exposes the workspace-scoped provider routes, all AWS_IAM, proxied to the api function', () => {
    // Prepare
    const s = synth();
    const integrationUri = {
      'Fn::Join': ['', Match.arrayWith([getAtt(s.stack.api.handler.function), '/invocations'])],
    };

    // Act
    const methods = Object.values(s.template.findResources('AWS::ApiGateway::Method'));

    // Assess
    expect(methods).toHaveLength(12);
    expect(new Set(methods.map((method) => method.Properties.AuthorizationType))).toEqual(new Set(['AWS_IAM']));
    for (const httpMethod of ['POST', 'GET', 'DELETE']) {
      s.template.hasResourceProperties('AWS::ApiGateway::Method', {
        HttpMethod: httpMethod,
        AuthorizationType: 'AWS_IAM',
        Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: integrationUri },
      });
    }
    expect(Object.values(s.template.findResources('AWS::ApiGateway::Resource')).map((resource) => resource.Properties.PathPart)).toEqual([
      'workspaces',
      '{workspace}',
      'providers',
      '{name}',
      'cluster-identity',
      'verifications',
      'rotations',
      '{rotationId}',
      'complete',
      'fleet',
      'sweeps',
      'latest',
      'rollouts',
      'latest',
      '{rolloutId}',
    ]);
  });

  it('validates the POST body against the ProviderRequest model and answers validation errors in the API error shape', () => {
    // Prepare
    const s = synth();

    // Act
    // The rotation POSTs take an optional body, which the function validates (no model).
    const posts = Object.values(s.template.findResources('AWS::ApiGateway::Method', { Properties: { HttpMethod: 'POST' } }));
    const withModel = posts.filter((method) => method.Properties.RequestModels !== undefined);
    const post = withModel[0];

    // Assess
    // Only create carries a request model: …/rotations' body is optional, …/verifications, …/complete and /fleet/rollouts take none.
    expect(posts).toHaveLength(5);
    expect(withModel).toHaveLength(1);
    s.template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
    expect(post?.Properties).toMatchObject({
      RequestValidatorId: { Ref: expect.stringMatching(/RequestValidator/) },
      RequestModels: { 'application/json': { Ref: expect.stringMatching(/ProviderRequest/) } },
    });
    s.template.hasResourceProperties('AWS::ApiGateway::Model', {
      Name: 'ProviderRequest',
      Schema: Match.objectLike({ required: ['name', 'accountId'], additionalProperties: false }),
    });
    s.template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'BAD_REQUEST_BODY',
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"code":"VALIDATION_FAILED"') },
    });
  });

  it('logs access, traces, uses the CloudWatch role and keeps request bodies out of execution logs', () => {
    // Prepare
    const { template } = synth();

    // Act
    const stages = template.findResources('AWS::ApiGateway::Stage');

    // Assess
    expect(Object.keys(stages)).toHaveLength(1);
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      AccessLogSetting: { DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AccessLogs'), 'Arn'] }, Format: Match.anyValue() },
      MethodSettings: [Match.objectLike({ LoggingLevel: 'INFO', DataTraceEnabled: false, HttpMethod: '*', ResourcePath: '/*' })],
    });
    template.resourceCountIs('AWS::ApiGateway::Account', 1);
  });

  it('lets API Gateway invoke the api function only for this API: one permission per route, each scoped to its method and path on the prod stage', () => {
    // Prepare
    const s = synth();
    const routeArn = (route: string) => ({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':execute-api:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':', ref(s.stack.api.api), '/', ref(s.stack.api.api.deploymentStage), route],
      ],
    });

    // Act
    const permissions = Object.values(s.template.findResources('AWS::Lambda::Permission', { Properties: { Principal: 'apigateway.amazonaws.com' } }));

    // Assess
    expect(permissions).toHaveLength(12);
    expect(new Set(permissions.map((permission) => JSON.stringify(permission.Properties.FunctionName)))).toEqual(new Set([JSON.stringify(getAtt(s.stack.api.handler.function))]));
    expect(permissions.filter((permission) => !JSON.stringify(permission.Properties.SourceArn).includes(logicalIdOf(s.stack.api.api)))).toEqual([]);
    expect(permissions.map((permission) => permission.Properties.SourceArn)).toEqual([
      routeArn('/POST/workspaces/*/providers'),
      routeArn('/GET/workspaces/*/providers'),
      routeArn('/GET/workspaces/*/providers/*'),
      routeArn('/DELETE/workspaces/*/providers/*'),
      routeArn('/GET/workspaces/*/providers/*/cluster-identity'),
      routeArn('/POST/workspaces/*/providers/*/verifications'),
      routeArn('/POST/workspaces/*/providers/*/rotations'),
      routeArn('/POST/workspaces/*/providers/*/rotations/*/complete'),
      routeArn('/GET/fleet/sweeps/latest'),
      routeArn('/POST/fleet/rollouts'),
      routeArn('/GET/fleet/rollouts/latest'),
      routeArn('/GET/fleet/rollouts/*'),
    ]);
  });
});
