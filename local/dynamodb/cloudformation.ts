// CloudFormation type of DynamoDB: tables (keys, indexes, billing) created in dynalite.
import type { ResourceHandler } from '../deploy/handler.js';
import type { CfnTableProperties } from './index.js';

/** The DynamoDB operation the deployer needs (structural, so tests can pass fakes). */
export interface DynamoDbDeployTarget {
  createTable(tableName: string, props: CfnTableProperties): Promise<{ arn: string }>;
}

const table: ResourceHandler = {
  type: 'AWS::DynamoDB::Table',
  persistent: true,
  async deploy(props, ctx) {
    const name = ctx.physicalName(props.TableName, 255);
    if (props.PointInTimeRecoverySpecification !== undefined || props.DeletionProtectionEnabled !== undefined || props.TimeToLiveSpecification !== undefined) {
      ctx.log(`note: ${ctx.logicalId}: PITR, deletion protection and TTL have no dynalite counterpart and are ignored locally`);
    }
    const { arn } = await ctx.targets.dynamodb.createTable(name, props as unknown as CfnTableProperties);
    return { physicalId: name, ref: name, arn, attributes: { Arn: arn, StreamArn: `${arn}/stream/1970-01-01T00:00:00.000` } };
  },
};

export const dynamoDbResourceHandlers: ResourceHandler[] = [table];
