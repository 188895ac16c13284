// CloudFormation type of Step Functions: state machines, their definition taken from the template
// or its asset file with DefinitionSubstitutions applied, so the ASL that runs is the one deployed.
import { readFileSync } from 'node:fs';
import type { ResourceContext, ResourceHandler } from '../deploy/handler.js';
import { isAlreadyExists, requireString } from '../deploy/properties.js';

/** The Step Functions operation the deployer needs (structural, so tests can pass fakes). */
export interface StepFunctionsDeployTarget {
  createStateMachine(input: { name: string; definition: string; roleArn: string }): { arn: string } | Promise<{ arn: string }>;
}

/** DefinitionString / Definition / DefinitionS3Location (an asset file), with DefinitionSubstitutions applied. */
export function stateMachineDefinition(logicalId: string, props: Record<string, unknown>, assetSource: string | undefined): string {
  let definition: string;
  if (typeof props.DefinitionString === 'string') definition = props.DefinitionString;
  else if (props.Definition !== undefined) definition = JSON.stringify(props.Definition);
  else if (props.DefinitionS3Location !== undefined) {
    if (assetSource === undefined) throw new Error(`${logicalId}: DefinitionS3Location does not match any asset of the assembly`);
    definition = readFileSync(assetSource, 'utf8');
  } else throw new Error(`${logicalId} has no definition`);
  const substitutions = (props.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
  definition = definition.replace(/\$\{([^}]+)\}/g, (whole, key: string) => {
    const value = substitutions[key];
    if (value === undefined) return whole;
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
  const missing = /\$\{([A-Za-z0-9_]+)\}/.exec(definition);
  if (missing !== null) throw new Error(`${logicalId}: definition placeholder \${${missing[1]}} has no DefinitionSubstitutions entry`);
  return definition;
}

/** Creates the state machine, or updates in place one left by a previous run, as CloudFormation would. */
async function createOrUpdate(input: { name: string; definition: string; roleArn: string }, arn: string, ctx: ResourceContext): Promise<string> {
  try {
    return (await ctx.targets.sfn.createStateMachine(input)).arn;
  } catch (error) {
    if (!isAlreadyExists(error) || ctx.targets.call === undefined) throw error;
    const updated = await ctx.targets.call('states', 'UpdateStateMachine', { stateMachineArn: arn, definition: input.definition, roleArn: input.roleArn });
    if (updated.status >= 400) throw new Error(`UpdateStateMachine failed: ${updated.body}`, { cause: error });
    return arn;
  }
}

const stateMachine: ResourceHandler = {
  type: 'AWS::StepFunctions::StateMachine',
  persistent: true,
  assetKey: (props) => (props.DefinitionS3Location as { Key?: unknown } | undefined)?.Key,
  async deploy(props, ctx) {
    const name = ctx.physicalName(props.StateMachineName, 80);
    const computedArn = `arn:${ctx.env.partition}:states:${ctx.env.region}:${ctx.env.accountId}:stateMachine:${name}`;
    const definition = stateMachineDefinition(ctx.logicalId, props, ctx.assetSource);
    const roleArn = requireString(props.RoleArn, `${ctx.logicalId}.RoleArn`);
    const arn = await createOrUpdate({ name, definition, roleArn }, computedArn, ctx);
    return { physicalId: computedArn, ref: computedArn, arn, attributes: { Arn: arn, Name: name, StateMachineRevisionId: ctx.stableId(8) } };
  },
};

export const stepFunctionsResourceHandlers: ResourceHandler[] = [stateMachine];
