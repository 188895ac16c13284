import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployAssembly, type DeployTargets } from '../../../local/deploy/index.js';
import { generatedName } from '../../../local/deploy/naming.js';
import type { RestApiDefinition } from '../../../local/apigateway/routes.js';
import { AwsServiceError } from '../../../local/core/types.js';

const ASL = JSON.stringify({ StartAt: 'Create', States: { Create: { Type: 'Task', Resource: '${CreateFn}', End: true } } });

const TEMPLATE = {
  Parameters: { BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/hnb659fds/version' } },
  Conditions: { CDKMetadataAvailable: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-north-1'] } },
  Resources: {
    CDKMetadata: { Type: 'AWS::CDK::Metadata', Condition: 'CDKMetadataAvailable', Properties: { Analytics: 'v2' } },
    Registry: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'providerId', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'providerId', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    },
    Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'capa-provider-onboarding' } },
    FnServiceRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } }] },
        ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']] }],
      },
    },
    FnServiceRoleDefaultPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'FnServiceRoleDefaultPolicy',
        Roles: [{ Ref: 'FnServiceRole' }],
        PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: { 'Fn::GetAtt': ['Registry', 'Arn'] } }] },
      },
    },
    Fn: {
      Type: 'AWS::Lambda::Function',
      DependsOn: ['FnServiceRoleDefaultPolicy', 'FnServiceRole'],
      Metadata: { 'aws:asset:path': 'asset.fnhash', 'aws:asset:property': 'Code' },
      Properties: {
        Code: { S3Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' }, S3Key: 'fnhash.zip' },
        Handler: 'index.handler',
        Role: { 'Fn::GetAtt': ['FnServiceRole', 'Arn'] },
        Runtime: 'nodejs20.x',
        Timeout: 30,
        MemorySize: 256,
        Environment: { Variables: { TABLE_NAME: { Ref: 'Registry' }, EVENT_BUS_NAME: { Ref: 'Bus' } } },
      },
    },
    FnLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: { 'Fn::Join': ['', ['/aws/lambda/', { Ref: 'Fn' }]] } } },
    SmRole: {
      Type: 'AWS::IAM::Role',
      Properties: { RoleName: 'sm-role', Path: '/service/', AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'states.amazonaws.com' } }] } },
    },
    Sm: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {
        RoleArn: { 'Fn::GetAtt': ['SmRole', 'Arn'] },
        DefinitionS3Location: { Bucket: { 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' }, Key: 'smhash.json' },
        DefinitionSubstitutions: { CreateFn: { 'Fn::GetAtt': ['Fn', 'Arn'] } },
      },
    },
    Rule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventPattern: { source: ['aws.organizations'] },
        State: 'ENABLED',
        Targets: [{ Id: 'Target0', Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Input: '{"x":1}' }],
      },
    },
    Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'providers-api' } },
    ApiProviders: { Type: 'AWS::ApiGateway::Resource', Properties: { ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] }, PathPart: 'providers', RestApiId: { Ref: 'Api' } } },
    ApiProvider: { Type: 'AWS::ApiGateway::Resource', Properties: { ParentId: { Ref: 'ApiProviders' }, PathPart: '{providerId}', RestApiId: { Ref: 'Api' } } },
    ApiProvidersPost: {
      Type: 'AWS::ApiGateway::Method',
      Properties: {
        HttpMethod: 'POST',
        ResourceId: { Ref: 'ApiProviders' },
        RestApiId: { Ref: 'Api' },
        AuthorizationType: 'AWS_IAM',
        Integration: {
          Type: 'AWS_PROXY',
          IntegrationHttpMethod: 'POST',
          Uri: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:', { Ref: 'AWS::Region' }, ':lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': ['Fn', 'Arn'] }, '/invocations']] },
        },
      },
    },
    ApiProviderGet: {
      Type: 'AWS::ApiGateway::Method',
      Properties: {
        HttpMethod: 'GET',
        ResourceId: { Ref: 'ApiProvider' },
        RestApiId: { Ref: 'Api' },
        AuthorizationType: 'AWS_IAM',
        Integration: { Type: 'AWS_PROXY', Uri: { 'Fn::Sub': 'arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations' } },
      },
    },
    ApiDeployment: { Type: 'AWS::ApiGateway::Deployment', DependsOn: ['ApiProvidersPost', 'ApiProviderGet'], Properties: { RestApiId: { Ref: 'Api' } } },
    ApiStage: { Type: 'AWS::ApiGateway::Stage', Properties: { RestApiId: { Ref: 'Api' }, DeploymentId: { Ref: 'ApiDeployment' }, StageName: 'v1' } },
    ApiPermission: { Type: 'AWS::Lambda::Permission', Properties: { FunctionName: { 'Fn::GetAtt': ['Fn', 'Arn'] }, Principal: 'apigateway.amazonaws.com' } },
  },
  Outputs: {
    TableName: { Value: { Ref: 'Registry' } },
    ApiUrl: { Value: { 'Fn::Join': ['', ['https://', { Ref: 'Api' }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: 'ApiStage' }, '/']] } },
    StateMachineArn: { Value: { Ref: 'Sm' } },
    Metadata: { Condition: 'CDKMetadataAvailable', Value: 'never' },
  },
};

function writeAssembly(dir: string): void {
  mkdirSync(join(dir, 'asset.fnhash'), { recursive: true });
  writeFileSync(join(dir, 'asset.fnhash', 'index.mjs'), 'export const handler = async () => ({});');
  writeFileSync(join(dir, 'asset.smhash.json'), ASL);
  writeFileSync(join(dir, 'TestStack.template.json'), JSON.stringify(TEMPLATE));
  writeFileSync(
    join(dir, 'TestStack.assets.json'),
    JSON.stringify({
      version: '48.0.0',
      files: {
        fnhash: { source: { path: 'asset.fnhash', packaging: 'zip' }, destinations: { 'current_account-current_region': { bucketName: 'b', objectKey: 'fnhash.zip' } } },
        smhash: { source: { path: 'asset.smhash.json', packaging: 'file' }, destinations: { 'current_account-current_region': { bucketName: 'b', objectKey: 'smhash.json' } } },
      },
    }),
  );
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      version: '48.0.0',
      artifacts: {
        'TestStack.assets': { type: 'cdk:asset-manifest', properties: { file: 'TestStack.assets.json' } },
        TestStack: { type: 'aws:cloudformation:stack', properties: { templateFile: 'TestStack.template.json' }, dependencies: ['TestStack.assets'] },
      },
    }),
  );
}

/** Fake emulators that record every call. */
function fakeTargets() {
  const calls: string[] = [];
  const roles = new Set<string>();
  const apis: RestApiDefinition[] = [];
  const functions: Array<Record<string, unknown>> = [];
  const machines: Array<{ name: string; definition: string; roleArn: string }> = [];
  const rules: Array<Record<string, unknown>> = [];
  const targets: DeployTargets = {
    iam: {
      createRole(accountId, input) {
        if (roles.has(input.roleName)) throw new AwsServiceError('EntityAlreadyExists', `Role with name ${input.roleName} already exists.`, 409);
        roles.add(input.roleName);
        calls.push(`createRole ${input.roleName}`);
        return { arn: `arn:aws:iam::${accountId}:role${input.path ?? '/'}${input.roleName}` };
      },
      putRolePolicy(_a, roleName, policyName) {
        calls.push(`putRolePolicy ${roleName} ${policyName}`);
      },
      attachRolePolicy(_a, roleName, policyArn) {
        if (policyArn.includes(':aws:policy/')) throw new AwsServiceError('NoSuchEntity', `Policy ${policyArn} does not exist`, 404);
        calls.push(`attachRolePolicy ${roleName} ${policyArn}`);
      },
      sessionForService(roleArn) {
        return { accessKeyId: `ASIA-${roleArn.split('/').pop()}`, secretAccessKey: 's', sessionToken: 't' };
      },
    },
    dynamodb: {
      async createTable(name) {
        calls.push(`createTable ${name}`);
        return { arn: `arn:aws:dynamodb:us-east-1:000000000000:table/${name}` };
      },
    },
    events: {
      createEventBus(name) {
        calls.push(`createEventBus ${name}`);
        return { arn: `arn:aws:events:us-east-1:000000000000:event-bus/${name}` };
      },
      putRule(input) {
        rules.push(input as unknown as Record<string, unknown>);
        calls.push(`putRule ${input.name}`);
        return { arn: `arn:aws:events:us-east-1:000000000000:rule/${input.name}` };
      },
    },
    lambda: {
      createFunction(input) {
        functions.push(input as unknown as Record<string, unknown>);
        calls.push(`createFunction ${input.name}`);
        return { arn: `arn:aws:lambda:us-east-1:000000000000:function:${input.name}` };
      },
    },
    sfn: {
      createStateMachine(input) {
        machines.push(input);
        calls.push(`createStateMachine ${input.name}`);
        return { arn: `arn:aws:states:us-east-1:000000000000:stateMachine:${input.name}` };
      },
    },
    apigateway: { registerApi: (api) => void apis.push(api) },
  };
  return { targets, calls, apis, functions, machines, rules };
}

describe('deployAssembly', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    writeAssembly(dir);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates resources in dependency order with CloudFormation-style names', async () => {
    // Prepare
    const fake = fakeTargets();
    const lines: string[] = [];
    // Act
    const stack = await deployAssembly(dir, { targets: fake.targets, accountId: '000000000000', region: 'us-east-1', log: (l) => void lines.push(l) });
    // Assess
    const fnRole = generatedName('TestStack', 'FnServiceRole');
    const fnName = generatedName('TestStack', 'Fn');
    expect(fake.calls).toEqual([
      `createTable ${generatedName('TestStack', 'Registry', 255)}`,
      'createEventBus capa-provider-onboarding',
      `createRole ${fnRole}`,
      `putRolePolicy ${fnRole} FnServiceRoleDefaultPolicy`,
      `createFunction ${fnName}`,
      'createRole sm-role',
      `createStateMachine ${generatedName('TestStack', 'Sm', 80)}`,
      `putRule ${generatedName('TestStack', 'Rule')}`,
    ]);
    expect(stack.resources.SmRole?.arn).toBe('arn:aws:iam::000000000000:role/service/sm-role');
    expect(stack.resources.CDKMetadata).toBeUndefined();
    expect(lines.some((l) => l.startsWith('skipped (no local meaning): ') && l.includes('AWS::Logs::LogGroup x1') && l.includes('AWS::Lambda::Permission x1'))).toBe(true);
  });

  it('passes the function its bundle, environment, limits and role session', async () => {
    // Prepare
    const fake = fakeTargets();
    // Act
    const stack = await deployAssembly(dir, { targets: fake.targets, accountId: '000000000000', region: 'us-east-1' });
    // Assess
    expect(fake.functions[0]).toMatchObject({
      codeDir: join(dir, 'asset.fnhash'),
      handler: 'index.handler',
      timeoutSeconds: 30,
      memoryMb: 256,
      environment: { TABLE_NAME: stack.resources.Registry?.physicalId, EVENT_BUS_NAME: 'capa-provider-onboarding' },
      roleArn: stack.resources.FnServiceRole?.arn,
      credentials: { accessKeyId: `ASIA-${stack.resources.FnServiceRole?.physicalId}` },
    });
  });

  it('loads the state machine definition from its asset file and applies substitutions', async () => {
    // Prepare
    const fake = fakeTargets();
    // Act
    const stack = await deployAssembly(dir, { targets: fake.targets, accountId: '000000000000', region: 'us-east-1' });
    // Assess
    const definition = JSON.parse(fake.machines[0]!.definition);
    expect(definition.States.Create.Resource).toBe(stack.resources.Fn?.arn);
    expect(fake.machines[0]!.roleArn).toBe('arn:aws:iam::000000000000:role/service/sm-role');
    expect(stack.outputs.StateMachineArn).toBe(stack.resources.Sm?.arn);
  });

  it('builds the REST API route table from resources, methods and the stage', async () => {
    // Prepare
    const fake = fakeTargets();
    // Act
    const stack = await deployAssembly(dir, { targets: fake.targets, accountId: '000000000000', region: 'us-east-1' });
    // Assess
    const fnArn = stack.resources.Fn?.arn;
    expect(fake.apis).toEqual([
      {
        apiId: stack.resources.Api?.physicalId,
        name: 'providers-api',
        stageName: 'v1',
        routes: [
          { httpMethod: 'POST', resourcePath: '/providers', authorizationType: 'AWS_IAM', integrationType: 'AWS_PROXY', functionArn: fnArn },
          { httpMethod: 'GET', resourcePath: '/providers/{providerId}', authorizationType: 'AWS_IAM', integrationType: 'AWS_PROXY', functionArn: fnArn },
        ],
      },
    ]);
    expect(stack.outputs.ApiUrl).toBe(`https://${stack.resources.Api?.physicalId}.execute-api.us-east-1.amazonaws.com/v1/`);
    expect(stack.outputs).not.toHaveProperty('Metadata');
  });

  it('passes rule targets through and keeps names stable across deployments', async () => {
    // Prepare
    const first = fakeTargets();
    const second = fakeTargets();
    // Act
    const a = await deployAssembly(dir, { targets: first.targets, accountId: '000000000000', region: 'us-east-1' });
    const b = await deployAssembly(dir, { targets: second.targets, accountId: '000000000000', region: 'us-east-1' });
    // Assess
    expect(first.rules[0]).toMatchObject({ eventPattern: { source: ['aws.organizations'] }, state: 'ENABLED', targets: [{ id: 'Target0', arn: a.resources.Fn?.arn, input: '{"x":1}' }] });
    expect(first.rules[0]).not.toHaveProperty('eventBusName');
    expect(Object.fromEntries(Object.entries(b.resources).map(([id, r]) => [id, r.physicalId]))).toEqual(
      Object.fromEntries(Object.entries(a.resources).map(([id, r]) => [id, r.physicalId])),
    );
  });

  it('redeploying an unchanged template touches only the runtime resources (functions, API)', async () => {
    // Prepare
    const fake = fakeTargets();
    const first = await deployAssembly(dir, { targets: fake.targets, accountId: '000000000000', region: 'us-east-1' });
    fake.calls.length = 0;
    // Act
    const again = await deployAssembly(dir, { targets: fake.targets, accountId: '000000000000', region: 'us-east-1', previous: first });
    // Assess
    expect(fake.calls).toEqual([`createFunction ${generatedName('TestStack', 'Fn')}`]);
    expect(again.resources.Registry?.status).toBe('unchanged');
    expect(again.resources.Fn?.status).toBe('updated');
    expect(fake.apis).toHaveLength(2);
  });
});
