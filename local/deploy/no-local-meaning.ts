// Types that only matter in the cloud (logging, permissions the local cloud does not model, CDK
// bookkeeping): nothing is created for them, but each gets the identity CloudFormation would
// report, so whatever refers to it still resolves.
import { generatedName, genericIdentity, LOWER_ALPHANUMERIC, stableSuffix, type ResourceIdentity, type StackEnvironment } from './naming.js';

export const NO_LOCAL_MEANING = new Set([
  'AWS::CDK::Metadata',
  'AWS::Logs::LogGroup',
  'AWS::Lambda::Permission',
  'AWS::SNS::Topic',
  'AWS::KMS::Key',
  'AWS::ApiGateway::Account',
  'AWS::ApiGateway::GatewayResponse',
  'AWS::ApiGateway::RequestValidator',
  'AWS::ApiGateway::Model',
]);

/** The name property and maximum name length of the types below that have a name. */
const NAMES: Record<string, [property: string, maxLength: number]> = {
  'AWS::Logs::LogGroup': ['LogGroupName', 512],
  'AWS::SNS::Topic': ['TopicName', 256],
};

function lowerId(seed: string, length: number): string {
  return stableSuffix(seed, length, LOWER_ALPHANUMERIC);
}

/**
 * Physical id, Ref value, ARN and attributes of a resource the local cloud does not create
 * (one of the types above, or a type no service handles).
 */
export function placeholderIdentity(type: string, logicalId: string, props: Record<string, unknown>, env: StackEnvironment): ResourceIdentity {
  const { accountId, region, partition, stackName } = env;
  const [nameProperty, maxLength] = NAMES[type] ?? [undefined, 64];
  const explicit = nameProperty !== undefined ? props[nameProperty] : undefined;
  const name = typeof explicit === 'string' ? explicit : generatedName(stackName, logicalId, maxLength);
  const seed = `${stackName}/${logicalId}`;
  switch (type) {
    case 'AWS::Logs::LogGroup': {
      const arn = `arn:${partition}:logs:${region}:${accountId}:log-group:${name}:*`;
      return { physicalId: name, ref: name, arn, attributes: { Arn: arn } };
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
    default:
      return genericIdentity(type, logicalId, name, env);
  }
}
