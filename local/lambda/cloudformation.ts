// CloudFormation types of Lambda: functions, run from their bundled asset with their execution
// role's credentials, and their asynchronous invocation settings (retries, destinations).
// (Permissions have no local meaning: see the deployer's list.)
import { statSync } from 'node:fs';
import type { ResourceHandler } from '../deploy/handler.js';
import { requireString } from '../deploy/properties.js';
import { eventInvokeConfigFrom } from './async-invocations.js';
import type { EventInvokeConfig, FunctionInput } from './index.js';

/** The Lambda operations the deployer needs (structural, so tests can pass fakes). */
export interface LambdaDeployTarget {
  createFunction(input: FunctionInput): { arn: string } | Promise<{ arn: string }>;
  putFunctionEventInvokeConfig?(functionName: string, config: Omit<EventInvokeConfig, 'lastModified'>): unknown;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) out[key] = typeof item === 'string' ? item : JSON.stringify(item);
  }
  return out;
}

const lambdaFunction: ResourceHandler = {
  type: 'AWS::Lambda::Function',
  // Workers are not snapshotted: every start creates the function again.
  persistent: false,
  assetKey: (props) => (props.Code as { S3Key?: unknown } | undefined)?.S3Key,
  async deploy(props, ctx) {
    if (ctx.assetSource === undefined || !statSync(ctx.assetSource).isDirectory()) {
      throw new Error(`no bundled code found for ${ctx.logicalId} (aws:asset:path metadata or asset manifest entry); run \`npx cdk synth\``);
    }
    const name = ctx.physicalName(props.FunctionName, 64);
    const roleArn = requireString(props.Role, `${ctx.logicalId}.Role`);
    const deadLetterTarget = (props.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
    const { arn } = await ctx.targets.lambda.createFunction({
      name,
      codeDir: ctx.assetSource,
      handler: typeof props.Handler === 'string' ? props.Handler : 'index.handler',
      environment: stringMap((props.Environment as { Variables?: unknown } | undefined)?.Variables),
      timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : 3,
      ...(typeof props.MemorySize === 'number' ? { memoryMb: props.MemorySize } : {}),
      roleArn,
      credentials: ctx.targets.iam.sessionForService(roleArn, 'lambda.amazonaws.com'),
      ...(typeof deadLetterTarget === 'string' ? { deadLetterTargetArn: deadLetterTarget } : {}),
    });
    return { physicalId: name, ref: name, arn, attributes: { Arn: arn } };
  },
};

const eventInvokeConfig: ResourceHandler = {
  type: 'AWS::Lambda::EventInvokeConfig',
  // Functions are created again on every start, so their settings are too.
  persistent: false,
  deploy(props, ctx) {
    const functionName = requireString(props.FunctionName, `${ctx.logicalId}.FunctionName`);
    if (props.Qualifier !== undefined && props.Qualifier !== '$LATEST') {
      throw new Error(`${ctx.logicalId}: only $LATEST exists locally (Qualifier ${String(props.Qualifier)})`);
    }
    const put = ctx.targets.lambda.putFunctionEventInvokeConfig;
    if (put === undefined) throw new Error('this deployment cannot configure asynchronous invocations');
    put.call(ctx.targets.lambda, functionName, eventInvokeConfigFrom(props));
    return ctx.genericIdentity();
  },
};

export const lambdaResourceHandlers: ResourceHandler[] = [lambdaFunction, eventInvokeConfig];
