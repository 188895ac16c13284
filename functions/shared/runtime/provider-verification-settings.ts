// The check-provider function's settings, validated when its module loads.
import type { ManagementGrantTarget } from '../domain/management-grant.js';
import { grantMode, nonEmpty, partition, readEnv, rolePath } from './env.js';

export interface ProviderVerificationSettings {
  tableName: string;
  partition: string;
  bootstrapRoleName: string;
  managementPrincipalArn: string;
  grant: ManagementGrantTarget;
}

export function providerVerificationOf(source: NodeJS.ProcessEnv): ProviderVerificationSettings {
  const env = readEnv(
    {
      PARTITION: partition,
      TABLE_NAME: nonEmpty,
      BOOTSTRAP_ROLE_NAME: nonEmpty,
      ROLE_PATH: rolePath,
      MANAGEMENT_PRINCIPAL_ARN: nonEmpty,
      MANAGEMENT_ROLE_ARN: nonEmpty,
      GRANT_MODE: grantMode,
    },
    source,
  );
  return {
    tableName: env.TABLE_NAME,
    partition: env.PARTITION,
    bootstrapRoleName: env.BOOTSTRAP_ROLE_NAME,
    managementPrincipalArn: env.MANAGEMENT_PRINCIPAL_ARN,
    grant: { managementRoleArn: env.MANAGEMENT_ROLE_ARN, partition: env.PARTITION, rolePath: env.ROLE_PATH, mode: env.GRANT_MODE },
  };
}
