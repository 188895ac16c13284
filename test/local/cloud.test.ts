import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../local/signed-fetch.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloud } from '../../local/cloud.js';

// The whole local cloud on a small hand-written assembly: a table, a function with its role, a
// state machine, a rule on the default bus and an IAM-authorized REST API.

const FUNCTION_CODE = `
import { DynamoDBClient, PutItemCommand, DeleteItemCommand } from '@aws-sdk/client-dynamodb';
const ddb = new DynamoDBClient({});
export const handler = async (event) => {
  if (event.httpMethod) {
    await ddb.send(new PutItemCommand({ TableName: process.env.TABLE_NAME, Item: { id: { S: event.pathParameters.id }, by: { S: event.requestContext.identity.userArn } } }));
    return { statusCode: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stored: event.pathParameters.id }) };
  }
  if (event.fail) throw new Error('asked to fail');
  if (event.forbidden) {
    try {
      await ddb.send(new DeleteItemCommand({ TableName: process.env.TABLE_NAME, Key: { id: { S: 'x' } } }));
      return { denied: false };
    } catch (error) {
      return { denied: error.name };
    }
  }
  const id = event.detail?.id ?? event.id;
  await ddb.send(new PutItemCommand({ TableName: process.env.TABLE_NAME, Item: { id: { S: id } } }));
  return { stored: id };
};
`;

const ASL = JSON.stringify({ StartAt: 'Store', States: { Store: { Type: 'Task', Resource: '${StoreFn}', End: true } } });
const trust = (service: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: service } }] });

const TEMPLATE = {
  Resources: {
    Items: {
      Type: 'AWS::DynamoDB::Table',
      Properties: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' },
    },
    FnRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: trust('lambda.amazonaws.com') } },
    FnPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'FnPolicy',
        Roles: [{ Ref: 'FnRole' }],
        PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: { 'Fn::GetAtt': ['Items', 'Arn'] } }] },
      },
    },
    Fn: {
      Type: 'AWS::Lambda::Function',
      DependsOn: ['FnPolicy'],
      Metadata: { 'aws:asset:path': 'asset.fn' },
      Properties: { Handler: 'index.handler', Runtime: 'nodejs20.x', Timeout: 20, Role: { 'Fn::GetAtt': ['FnRole', 'Arn'] }, Environment: { Variables: { TABLE_NAME: { Ref: 'Items' } } } },
    },
    SmRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: trust('states.amazonaws.com') } },
    SmPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: { PolicyName: 'SmPolicy', Roles: [{ Ref: 'SmRole' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': ['Fn', 'Arn'] } }] } },
    },
    Sm: {
      Type: 'AWS::StepFunctions::StateMachine',
      DependsOn: ['SmPolicy'],
      Properties: { RoleArn: { 'Fn::GetAtt': ['SmRole', 'Arn'] }, DefinitionString: ASL, DefinitionSubstitutions: { StoreFn: { 'Fn::GetAtt': ['Fn', 'Arn'] } } },
    },
    RuleRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: trust('events.amazonaws.com') } },
    RulePolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: { PolicyName: 'RulePolicy', Roles: [{ Ref: 'RuleRole' }], PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: 'Sm' } }] } },
    },
    Rule: {
      Type: 'AWS::Events::Rule',
      DependsOn: ['RulePolicy'],
      Properties: { EventPattern: { source: ['test.source'] }, Targets: [{ Id: 'T0', Arn: { Ref: 'Sm' }, RoleArn: { 'Fn::GetAtt': ['RuleRole', 'Arn'] } }] },
    },
    Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'items' } },
    ApiItems: { Type: 'AWS::ApiGateway::Resource', Properties: { RestApiId: { Ref: 'Api' }, ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] }, PathPart: 'items' } },
    ApiItem: { Type: 'AWS::ApiGateway::Resource', Properties: { RestApiId: { Ref: 'Api' }, ParentId: { Ref: 'ApiItems' }, PathPart: '{id}' } },
    ApiItemPut: {
      Type: 'AWS::ApiGateway::Method',
      Properties: {
        RestApiId: { Ref: 'Api' },
        ResourceId: { Ref: 'ApiItem' },
        HttpMethod: 'PUT',
        AuthorizationType: 'AWS_IAM',
        Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: { 'Fn::Sub': 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations' } },
      },
    },
    ApiStage: { Type: 'AWS::ApiGateway::Stage', Properties: { RestApiId: { Ref: 'Api' }, StageName: 'prod' } },
  },
  Outputs: { TableName: { Value: { Ref: 'Items' } } },
};

function writeAssembly(dir: string): void {
  mkdirSync(join(dir, 'asset.fn'), { recursive: true });
  writeFileSync(join(dir, 'asset.fn', 'index.mjs'), FUNCTION_CODE);
  writeFileSync(join(dir, 'Test.template.json'), JSON.stringify(TEMPLATE));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '48.0.0', artifacts: { Test: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Test.template.json' } } } }));
}

async function waitForExecution(client: SFNClient, executionArn: string) {
  for (let i = 0; i < 200; i += 1) {
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${executionArn} still running`);
}

// The assembly lives under the repository (in the git-ignored .local/) so the bundle resolves
// @aws-sdk from the project's node_modules, as a synthesized cdk.out does.
const root = join(process.cwd(), '.local');

describe('startLocalCloud', () => {
  let work: string;
  let cloud: LocalCloud;
  const options = () => ({ cdkOut: join(work, 'cdk.out'), port: 0, apiPort: 0, propagationDelayMs: [0, 0] as [number, number], faults: '', quiet: true });

  beforeAll(async () => {
    // Prepare
    mkdirSync(root, { recursive: true });
    work = mkdtempSync(join(root, 'cloud-test-'));
    writeAssembly(join(work, 'cdk.out'));
    cloud = await startLocalCloud({ ...options(), stateDir: join(work, 'state') });
  });

  afterAll(async () => {
    await cloud?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const clientConfig = () => ({ endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials });
  const tableName = () => String(cloud.stack.outputs.TableName);

  it('deploys the template: the table answers through the SDK with admin credentials', async () => {
    // Act
    const described = await new DynamoDBClient(clientConfig()).send(new DescribeTableCommand({ TableName: tableName() }));
    // Assess
    expect(described.Table?.TableStatus).toBe('ACTIVE');
    expect(tableName()).toMatch(/^Test-Items-[A-Z0-9]{12}$/);
  });

  it('serves the REST API: a signed request runs the function with its role', async () => {
    // Prepare
    const url = new URL('/prod/items/from-api', cloud.apiUrl);
    const signer = new SignatureV4({ service: 'execute-api', region: cloud.region, sha256: NodeSha256, credentials: cloud.adminCredentials });
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, headers: { host: url.host } });
    // Act
    const response = await fetch(url, { method: 'PUT', headers: signed.headers });
    const unsigned = await fetch(url, { method: 'PUT' });
    const item = await new DynamoDBClient(clientConfig()).send(new GetItemCommand({ TableName: tableName(), Key: { id: { S: 'from-api' } } }));
    // Assess
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ stored: 'from-api' });
    expect(unsigned.status).toBe(403);
    expect(item.Item?.by?.S).toBe('arn:aws:iam::000000000000:user/local-admin');
  });

  it('runs the state machine, whose task invokes the function', async () => {
    // Prepare
    const sfn = new SFNClient(clientConfig());
    // Act
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: cloud.stack.resources.Sm!.arn, input: JSON.stringify({ id: 'from-sfn' }) }));
    const done = await waitForExecution(sfn, started.executionArn!);
    // Assess
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ stored: 'from-sfn' });
  });

  it('evaluates the function role: an action outside its policy is denied', async () => {
    // Prepare
    const sfn = new SFNClient(clientConfig());
    // Act
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: cloud.stack.resources.Sm!.arn, input: JSON.stringify({ forbidden: true }) }));
    const done = await waitForExecution(sfn, started.executionArn!);
    // Assess
    expect(JSON.parse(done.output!)).toEqual({ denied: 'AccessDeniedException' });
  });

  it('turns a function error into a failed execution named after the error type', async () => {
    // Prepare
    const sfn = new SFNClient(clientConfig());
    // Act
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: cloud.stack.resources.Sm!.arn, input: JSON.stringify({ fail: true }) }));
    const done = await waitForExecution(sfn, started.executionArn!);
    // Assess
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('Error');
    expect(done.cause).toContain('asked to fail');
  });

  it('injects Lambda faults into Task states as Step Functions reports them (lambda:Invoke throttled: Lambda.TooManyRequestsException)', async () => {
    // Prepare
    const sfn = new SFNClient(clientConfig());
    cloud.faults.replaceRules('lambda:Invoke=throttle:1');
    // Act
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: cloud.stack.resources.Sm!.arn, input: JSON.stringify({ id: 'throttled' }) }));
    const done = await waitForExecution(sfn, started.executionArn!);
    cloud.faults.replaceRules('');
    // Assess
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('Lambda.TooManyRequestsException');
    expect(done.cause).toContain('Rate Exceeded.');
  });

  it('routes a matching event on the default bus to the state machine', async () => {
    // Prepare
    const sfn = new SFNClient(clientConfig());
    const smArn = cloud.stack.resources.Sm!.arn!;
    const before = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: smArn }))).executions?.length ?? 0;
    // Act
    await new EventBridgeClient(clientConfig()).send(new PutEventsCommand({ Entries: [{ Source: 'test.source', DetailType: 'Item', Detail: JSON.stringify({ id: 'from-event' }) }] }));
    let executions = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: smArn }))).executions ?? [];
    for (let i = 0; i < 100 && executions.length === before; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      executions = (await sfn.send(new ListExecutionsCommand({ stateMachineArn: smArn }))).executions ?? [];
    }
    const done = await waitForExecution(sfn, executions[0]!.executionArn!);
    // Assess
    expect(executions.length).toBe(before + 1);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ stored: 'from-event' });
  });

  it('keeps everything across a restart on the same state directory, redeploying as a no-op', async () => {
    // Prepare
    const smArn = cloud.stack.resources.Sm!.arn;
    await cloud.close();
    // Act
    cloud = await startLocalCloud({ ...options(), stateDir: join(work, 'state') });
    const item = await new DynamoDBClient(clientConfig()).send(new GetItemCommand({ TableName: tableName(), Key: { id: { S: 'from-sfn' } } }));
    const executions = await new SFNClient(clientConfig()).send(new ListExecutionsCommand({ stateMachineArn: smArn }));
    // Assess
    expect(item.Item?.id?.S).toBe('from-sfn');
    expect(cloud.stack.resources.Sm!.arn).toBe(smArn);
    expect(cloud.stack.resources.Items!.status).toBe('unchanged');
    expect(cloud.stack.resources.FnRole!.status).toBe('unchanged');
    expect(executions.executions?.length).toBeGreaterThanOrEqual(4);
  });
});

describe('startLocalCloud afterDeploy', () => {
  let work: string;

  beforeAll(() => {
    mkdirSync(root, { recursive: true });
    work = mkdtempSync(join(root, 'cloud-hook-test-'));
    writeAssembly(join(work, 'cdk.out'));
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('runs the hook once with the deployed stack, and what it creates is there when the cloud is up', async () => {
    // Prepare
    const deployedMachines: string[] = [];
    // Act
    const cloud = await startLocalCloud({
      cdkOut: join(work, 'cdk.out'),
      port: 0,
      apiPort: 0,
      propagationDelayMs: [0, 0],
      faults: '',
      quiet: true,
      afterDeploy: (deployed) => {
        deployedMachines.push(deployed.stack.resources.Sm!.arn!);
        deployed.iam.createRole(deployed.accountId, {
          roleName: 'made-after-deploy',
          assumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'ec2.amazonaws.com' } }] },
        });
      },
    });
    try {
      // Assess
      expect(deployedMachines).toEqual([expect.stringMatching(/^arn:aws:states:us-east-1:000000000000:stateMachine:Test-Sm-[A-Z0-9]{12}$/)]);
      expect(cloud.iam.getRole('000000000000', 'made-after-deploy')?.arn).toBe('arn:aws:iam::000000000000:role/made-after-deploy');
    } finally {
      await cloud.close();
    }
  });
});
