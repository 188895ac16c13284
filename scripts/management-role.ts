// What the stack expects to exist before it is deployed, which a platform team creates in AWS:
// the management cluster's role (the one Kommander / the CAPA controllers run as), which the
// workflow grants sts:AssumeRole on every provider role. Locally, the local cloud's afterDeploy
// hook creates it when missing, named as the deployed functions' MANAGEMENT_ROLE_ARN says.
import { LambdaClient, paginateListFunctions } from '@aws-sdk/client-lambda';
import type { DeployedCloud } from '../local/cloud.js';
import type { LocalIam } from '../local/iam/index.js';

const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]+)$/;

/** The MANAGEMENT_ROLE_ARN values of the deployed functions, read through the Lambda API. */
export async function managementRoleArns(cloud: DeployedCloud): Promise<string[]> {
  const client = new LambdaClient({ endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials });
  const arns = new Set<string>();
  for await (const page of paginateListFunctions({ client }, {})) {
    for (const fn of page.Functions ?? []) {
      const arn = fn.Environment?.Variables?.MANAGEMENT_ROLE_ARN;
      if (arn) arns.add(arn);
    }
  }
  client.destroy();
  return [...arns];
}

export function ensureManagementRoles(iam: LocalIam, roleArns: string[], log: (line: string) => void): void {
  for (const roleArn of new Set(roleArns)) {
    const match = ROLE_ARN.exec(roleArn);
    if (!match) {
      log(`MANAGEMENT_ROLE_ARN ${roleArn} is not a role ARN; not created`);
      continue;
    }
    const [, accountId, path, roleName] = match as unknown as [string, string, string, string];
    if (iam.getRole(accountId, roleName) !== undefined) continue;
    iam.createRole(accountId, {
      roleName,
      path,
      description: 'Stands in for the management cluster role (created by the platform team in AWS)',
      // The management cluster's nodes assume it through their instance profile.
      assumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      },
    });
    log(`created the management cluster role ${roleArn}`);
  }
}

/** The local cloud's afterDeploy hook for this stack (startLocalCloud({ afterDeploy: createManagementRole })). */
export async function createManagementRole(cloud: DeployedCloud, log: (line: string) => void): Promise<void> {
  ensureManagementRoles(cloud.iam, await managementRoleArns(cloud), log);
}
