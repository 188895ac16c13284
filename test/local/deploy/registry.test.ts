import { describe, expect, it } from 'vitest';
import {
  defaultRegistry,
  deployStack,
  ResourceRegistry,
  type CfnTemplate,
  type DeployTargets,
  type ResourceHandler,
  type StackAssembly,
} from '../../../local/deploy/index.js';

function assembly(template: CfnTemplate): StackAssembly {
  return { cdkOut: '.', stackName: 'Test', artifactId: 'Test', templateFile: 'Test.template.json', template, assets: new Map() };
}

// The handlers under test create nothing in an emulator.
const noTargets = {} as DeployTargets;

describe('ResourceRegistry', () => {
  it('deploys a registered type through its handler, with resolved properties, and exposes its attributes', async () => {
    // Prepare
    const received: Array<{ props: Record<string, unknown>; logicalId: string }> = [];
    const greeting: ResourceHandler = {
      type: 'Custom::Greeting',
      persistent: false,
      deploy(props, context) {
        received.push({ props, logicalId: context.logicalId });
        return { physicalId: 'greeting-1', ref: 'greeting-1', attributes: { Text: `hello ${String(props.To)}` } };
      },
    };
    const template: CfnTemplate = {
      Resources: { Hello: { Type: 'Custom::Greeting', Properties: { To: { Ref: 'AWS::Region' } } } },
      Outputs: { Ref: { Value: { Ref: 'Hello' } }, Text: { Value: { 'Fn::GetAtt': ['Hello', 'Text'] } } },
    };
    // Act
    const stack = await deployStack(assembly(template), { targets: noTargets, accountId: '000000000000', region: 'eu-west-1', registry: new ResourceRegistry([greeting]) });
    // Assess
    expect(received).toEqual([{ props: { To: 'eu-west-1' }, logicalId: 'Hello' }]);
    expect(stack.outputs).toEqual({ Ref: 'greeting-1', Text: 'hello eu-west-1' });
    expect(stack.resources.Hello?.status).toBe('created');
  });

  it('reports a type no handler knows, apart from the known cloud-only types, and still resolves references to it', async () => {
    // Prepare
    const lines: string[] = [];
    const template: CfnTemplate = {
      Resources: {
        Mystery: { Type: 'AWS::Unknown::Thing', Properties: {} },
        Logs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/test' } },
      },
      Outputs: { Mystery: { Value: { Ref: 'Mystery' } } },
    };
    // Act
    const stack = await deployStack(assembly(template), { targets: noTargets, accountId: '000000000000', region: 'us-east-1', registry: new ResourceRegistry(), log: (line) => void lines.push(line) });
    // Assess
    expect(lines).toContain('not emulated (no local handler; references get placeholder values): AWS::Unknown::Thing x1');
    expect(lines).toContain('skipped (no local meaning): AWS::Logs::LogGroup x1');
    expect(stack.resources.Mystery?.status).toBe('skipped');
    expect(stack.outputs.Mystery).toMatch(/^Test-Mystery-[A-Z0-9]{12}$/);
  });

  it('refuses a second handler for the same type', () => {
    // Prepare
    const handler: ResourceHandler = { type: 'Custom::Twice', persistent: false, deploy: () => ({ physicalId: 'x', ref: 'x', attributes: {} }) };
    const registry = new ResourceRegistry([handler]);
    // Act
    const registerAgain = () => registry.register({ ...handler });
    // Assess
    expect(registerAgain).toThrow('Two resource handlers for Custom::Twice');
  });

  it('knows by default every type the emulated services deploy', () => {
    // Prepare
    const registry = defaultRegistry();
    const types = [
      'AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::DynamoDB::Table', 'AWS::Events::EventBus', 'AWS::Events::Rule',
      'AWS::Lambda::Function', 'AWS::StepFunctions::StateMachine', 'AWS::ApiGateway::RestApi', 'AWS::ApiGateway::Resource',
      'AWS::ApiGateway::Method', 'AWS::ApiGateway::Stage', 'AWS::ApiGateway::Deployment',
    ];
    // Act
    const handled = types.map((type) => registry.handlerFor(type)?.type);
    // Assess
    expect(handled).toEqual(types);
    expect(registry.handlerFor('AWS::Lambda::Permission')).toBeUndefined();
  });
});
