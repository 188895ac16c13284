// Physical names and the Ref / Fn::GetAtt values of each resource type, computed the way
// CloudFormation would return them. Names are derived from the stack and logical id, so a
// restart of the local cloud finds the resources it created before.
import { createHash } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A deterministic stand-in for CloudFormation's random suffix. */
export function stableSuffix(seed: string, length = 12, alphabet = ALPHANUMERIC): string {
  const digest = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; out.length < length; i += 1) out += alphabet[digest[i % digest.length]! % alphabet.length];
  return out;
}

/** `<Stack>-<LogicalId>-<SUFFIX>` within `maxLength`, as CloudFormation names resources without a name. */
export function generatedName(stackName: string, logicalId: string, maxLength = 64): string {
  const suffix = stableSuffix(`${stackName}/${logicalId}`);
  const budget = maxLength - suffix.length - 1;
  let prefix = `${stackName}-${logicalId}`;
  if (prefix.length > budget) {
    // Keep both halves recognisable: trim the longer one first.
    const half = Math.floor((budget - 1) / 2);
    const stackPart = stackName.slice(0, Math.max(half, budget - 1 - logicalId.length));
    prefix = `${stackPart}-${logicalId}`.slice(0, budget);
  }
  return `${prefix}-${suffix}`;
}

/** Maximum physical-name lengths of the types the deployer names. */
export const NAME_LIMITS: Record<string, number> = {
  'AWS::IAM::Role': 64,
  'AWS::IAM::Policy': 128,
  'AWS::IAM::ManagedPolicy': 128,
  'AWS::Lambda::Function': 64,
  'AWS::StepFunctions::StateMachine': 80,
  'AWS::DynamoDB::Table': 255,
  'AWS::Events::Rule': 64,
  'AWS::Events::EventBus': 256,
  'AWS::SQS::Queue': 80,
  'AWS::SNS::Topic': 256,
  'AWS::Logs::LogGroup': 512,
};

/** The property that carries a user-chosen name, per type. */
export const NAME_PROPERTIES: Record<string, string> = {
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::Policy': 'PolicyName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::Events::Rule': 'Name',
  'AWS::Events::EventBus': 'Name',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::ApiGateway::Stage': 'StageName',
};

export interface Environment {
  accountId: string;
  region: string;
  partition: string;
  urlSuffix: string;
  stackName: string;
}

export interface ResourceIdentity {
  physicalId: string;
  /** What `Ref` returns. */
  ref: string;
  arn?: string;
  /** Fn::GetAtt attributes. */
  attributes: Record<string, unknown>;
}

function lowerId(seed: string, length: number): string {
  return stableSuffix(seed, length, 'abcdefghijklmnopqrstuvwxyz0123456789');
}

/**
 * Physical id, Ref value, ARN and attributes of a resource, before (or without) creating it.
 * Unknown types get a generic identity so references to them still resolve.
 */
export function identityOf(type: string, logicalId: string, props: Record<string, unknown>, env: Environment): ResourceIdentity {
  const { accountId, region, partition, stackName } = env;
  const nameProperty = NAME_PROPERTIES[type];
  const explicit = nameProperty !== undefined && typeof props[nameProperty] === 'string' ? (props[nameProperty] as string) : undefined;
  const name = explicit ?? generatedName(stackName, logicalId, NAME_LIMITS[type] ?? 64);
  const seed = `${stackName}/${logicalId}`;
  switch (type) {
    case 'AWS::IAM::Role': {
      const path = typeof props.Path === 'string' ? props.Path : '/';
      const arn = `arn:${partition}:iam::${accountId}:role${path}${name}`;
      return { physicalId: name, ref: name, arn, attributes: { Arn: arn, RoleId: `AROA${stableSuffix(seed, 17)}` } };
    }
    case 'AWS::IAM::Policy': {
      // Ref of an inline policy is a generated id, not its PolicyName.
      const id = generatedName(stackName, logicalId.slice(0, 5), 64);
      return { physicalId: id, ref: id, attributes: {} };
    }
    case 'AWS::IAM::ManagedPolicy': {
      const path = typeof props.Path === 'string' ? props.Path : '/';
      const arn = `arn:${partition}:iam::${accountId}:policy${path}${name}`;
      return { physicalId: name, ref: arn, arn, attributes: { PolicyArn: arn } };
    }
    case 'AWS::Lambda::Function': {
      const arn = `arn:${partition}:lambda:${region}:${accountId}:function:${name}`;
      return { physicalId: name, ref: name, arn, attributes: { Arn: arn } };
    }
    case 'AWS::StepFunctions::StateMachine': {
      const arn = `arn:${partition}:states:${region}:${accountId}:stateMachine:${name}`;
      return { physicalId: arn, ref: arn, arn, attributes: { Arn: arn, Name: name, StateMachineRevisionId: stableSuffix(seed, 8) } };
    }
    case 'AWS::DynamoDB::Table': {
      const arn = `arn:${partition}:dynamodb:${region}:${accountId}:table/${name}`;
      return { physicalId: name, ref: name, arn, attributes: { Arn: arn, StreamArn: `${arn}/stream/1970-01-01T00:00:00.000` } };
    }
    case 'AWS::Events::EventBus': {
      const arn = `arn:${partition}:events:${region}:${accountId}:event-bus/${name}`;
      return { physicalId: name, ref: name, arn, attributes: { Arn: arn, Name: name } };
    }
    case 'AWS::Events::Rule': {
      const bus = typeof props.EventBusName === 'string' ? props.EventBusName.split('/').pop()! : 'default';
      const arn = `arn:${partition}:events:${region}:${accountId}:rule/${bus === 'default' ? '' : `${bus}/`}${name}`;
      // CloudFormation's Ref of a rule on a custom bus is "bus|name".
      return { physicalId: name, ref: bus === 'default' ? name : `${bus}|${name}`, arn, attributes: { Arn: arn } };
    }
    case 'AWS::ApiGateway::RestApi': {
      const id = lowerId(seed, 10);
      return { physicalId: id, ref: id, attributes: { RestApiId: id, RootResourceId: lowerId(`${seed}/root`, 10) } };
    }
    case 'AWS::ApiGateway::Resource': {
      const id = lowerId(seed, 6);
      return { physicalId: id, ref: id, attributes: { ResourceId: id } };
    }
    case 'AWS::ApiGateway::Deployment': {
      const id = lowerId(seed, 6);
      return { physicalId: id, ref: id, attributes: { DeploymentId: id } };
    }
    case 'AWS::ApiGateway::Stage': {
      const stage = explicit ?? 'prod';
      return { physicalId: stage, ref: stage, attributes: {} };
    }
    case 'AWS::Logs::LogGroup': {
      const arn = `arn:${partition}:logs:${region}:${accountId}:log-group:${name}:*`;
      return { physicalId: name, ref: name, arn, attributes: { Arn: arn } };
    }
    case 'AWS::SQS::Queue': {
      const arn = `arn:${partition}:sqs:${region}:${accountId}:${name}`;
      const url = `https://sqs.${region}.${env.urlSuffix}/${accountId}/${name}`;
      return { physicalId: url, ref: url, arn, attributes: { Arn: arn, QueueName: name, QueueUrl: url } };
    }
    case 'AWS::SNS::Topic': {
      const arn = `arn:${partition}:sns:${region}:${accountId}:${name}`;
      return { physicalId: arn, ref: arn, arn, attributes: { TopicArn: arn, TopicName: name } };
    }
    case 'AWS::KMS::Key': {
      const id = `${lowerId(seed, 8)}-${lowerId(`${seed}/1`, 4)}-${lowerId(`${seed}/2`, 4)}-${lowerId(`${seed}/3`, 4)}-${lowerId(`${seed}/4`, 12)}`;
      const arn = `arn:${partition}:kms:${region}:${accountId}:key/${id}`;
      return { physicalId: id, ref: id, arn, attributes: { Arn: arn, KeyId: id } };
    }
    default: {
      // Types with no local meaning still need stable values for whatever refers to them.
      const service = type.split('::')[1]?.toLowerCase() ?? 'custom';
      const arn = `arn:${partition}:${service}:${region}:${accountId}:${logicalId.toLowerCase()}/${name}`;
      return { physicalId: name, ref: name, arn, attributes: { Arn: arn } };
    }
  }
}
