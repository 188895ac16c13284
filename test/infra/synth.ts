// Synthesizes the onboarding stack in-process for the infra tests. Bundling is skipped (the
// bundles are checked by `npm run synth`), which keeps a synth well under a second.
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { OnboardingStack, STACK_NAME } from '../../lib/onboarding-stack.js';

export interface Synthesized {
  app: App;
  stack: OnboardingStack;
  template: Template;
  resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }>;
}

export function newStack(context: Record<string, unknown> = {}): { app: App; stack: OnboardingStack } {
  // The CLI turns asset metadata on (cdk.json "assetMetadata"); tests set it the same way.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-asset-metadata': true, ...context } });
  const stack = new OnboardingStack(app, STACK_NAME);
  return { app, stack };
}

const cache = new Map<string, Synthesized>();

/** One synthesized stack per distinct context, shared by the tests that only read it. */
export function synth(context: Record<string, unknown> = {}): Synthesized {
  const key = JSON.stringify(context);
  const cached = cache.get(key);
  if (cached) return cached;
  const { app, stack } = newStack(context);
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Synthesized['resources'];
  const result = { app, stack, template, resources };
  cache.set(key, result);
  return result;
}

/** The CloudFormation logical id of a construct's L1 resource. */
export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

export const getAtt = (construct: IConstruct, attribute = 'Arn') => ({ 'Fn::GetAtt': [logicalIdOf(construct), attribute] });
export const ref = (construct: IConstruct) => ({ Ref: logicalIdOf(construct) });

/** `arn:${Partition}<rest>` as CloudFormation renders it. */
export const partitionArn = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });

export interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Every statement of every AWS::IAM::Policy attached to the role, plus its inline policies. */
export function statementsOfRole(s: Synthesized, role: IConstruct): Statement[] {
  const roleId = logicalIdOf(role);
  const statements: Statement[] = [];
  for (const resource of Object.values(s.resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy' && asList(props.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }))) {
      statements.push(...asList((props.PolicyDocument as { Statement: Statement | Statement[] }).Statement));
    }
  }
  const inline = (s.resources[roleId]?.Properties?.Policies ?? []) as Array<{ PolicyDocument: { Statement: Statement[] } }>;
  for (const policy of inline) statements.push(...policy.PolicyDocument.Statement);
  return statements;
}

/** Flattens statements into "action -> resource" grants, for exact comparison. */
export function grantsOf(statements: Statement[]): string[] {
  const grants: string[] = [];
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of asList(statement.Action)) {
      for (const resource of asList(statement.Resource)) grants.push(`${action} -> ${JSON.stringify(resource)}`);
    }
  }
  return grants.sort();
}
