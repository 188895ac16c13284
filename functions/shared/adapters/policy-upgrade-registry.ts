// The registry write of a policy upgrade: the provider's new policyVersion, its parts and which
// rollout moved it, only while the provider is on the attempt the upgrade read and still READY or
// DEGRADED, so an onboarding, repair or offboarding that started meanwhile wins.
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { UPGRADABLE_STATUSES, type PolicyUpgradeRecord } from '../domain/policy-upgrade.js';
import type { ProviderRecord } from '../domain/provider.js';
import { callAws } from './aws-errors.js';
import { ProviderRegistry, statusValues } from './registry.js';
import { SDK_CLIENT_OPTIONS } from './sdk-options.js';

export interface RecordedPolicyUpgrade {
  policyArns: string[];
  upgrade: PolicyUpgradeRecord;
}

export class PolicyUpgradeRegistry extends ProviderRegistry {
  /** The updated record; undefined when the provider moved on (another attempt, another status, gone). */
  async recordPolicyUpgrade(providerId: string, attempt: number, recorded: RecordedPolicyUpgrade): Promise<ProviderRecord | undefined> {
    const upgradable = statusValues(UPGRADABLE_STATUSES);
    try {
      const result = await callAws(`UpdateItem ${providerId} (policy ${recorded.upgrade.policyVersion})`, () =>
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { providerId },
            UpdateExpression: 'SET policyVersion = :version, policyArns = :arns, lastPolicyUpgrade = :upgrade, updatedAt = :now',
            ConditionExpression: `attempt = :attempt AND #status IN (${Object.keys(upgradable).join(', ')})`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':version': recorded.upgrade.policyVersion,
              ':arns': recorded.policyArns,
              ':upgrade': recorded.upgrade,
              ':now': recorded.upgrade.upgradedAt,
              ':attempt': attempt,
              ...upgradable,
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      return result.Attributes as ProviderRecord;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}

export function policyUpgradeRegistry(tableName: string): PolicyUpgradeRegistry {
  return new PolicyUpgradeRegistry(DynamoDBDocumentClient.from(new DynamoDBClient(SDK_CLIENT_OPTIONS)), tableName);
}
