// Reaching a target account: an IAM client acting through its bootstrap role, narrowed by a
// session policy to the product's path, so even an administrator bootstrap role cannot be
// used by this service to touch anything else.
import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { isAccessDenied, rethrowTransient } from './aws-errors.js';
import { BootstrapRoleDenied } from '../domain/errors.js';
import { SDK_CLIENT_OPTIONS } from './sdk-options.js';
import type { PolicyDocument } from '../domain/policy-documents.js';

export interface TargetAccountAccess {
  accountId: string;
  partition: string;
  bootstrapRoleName: string;
  rolePath: string;
  /** Shows in the target account's CloudTrail as the session name. */
  sessionName: string;
}

/** The IAM actions onboarding, repair, re-verification, compensation and External ID rotation need, and only on the product's path. */
export function bootstrapSessionPolicy(partition: string, accountId: string, rolePath: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ProviderRoles',
        Effect: 'Allow',
        Action: [
          'iam:CreateRole',
          'iam:GetRole',
          'iam:DeleteRole',
          'iam:UpdateAssumeRolePolicy',
          'iam:TagRole',
          'iam:ListRoleTags',
          'iam:AttachRolePolicy',
          'iam:DetachRolePolicy',
          'iam:ListAttachedRolePolicies',
        ],
        Resource: `arn:${partition}:iam::${accountId}:role${rolePath}*`,
      },
      {
        Sid: 'ProviderPolicies',
        Effect: 'Allow',
        Action: [
          'iam:CreatePolicy',
          'iam:GetPolicy',
          'iam:DeletePolicy',
          'iam:ListPolicyVersions',
          'iam:GetPolicyVersion',
          'iam:CreatePolicyVersion',
          'iam:DeletePolicyVersion',
          'iam:TagPolicy',
          'iam:ListPolicyTags',
        ],
        Resource: `arn:${partition}:iam::${accountId}:policy${rolePath}*`,
      },
    ],
  };
}

/**
 * One HTTP handler for every target account's IAM client in this sandbox: each client carries its
 * own session's credentials, but they all reach the same IAM endpoint, so its kept-alive
 * connections (and their TLS sessions) serve later invocations instead of one new connection, and
 * one abandoned socket pool, per client.
 */
let sharedRequestHandler: IAMClientConfig['requestHandler'];

export async function iamClientForTargetAccount(
  sts: STSClient,
  access: TargetAccountAccess,
  region: string | undefined = process.env.AWS_REGION,
): Promise<IAMClient> {
  const roleArn = `arn:${access.partition}:iam::${access.accountId}:role/${access.bootstrapRoleName}`;
  try {
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: access.sessionName.slice(0, 64),
        Policy: JSON.stringify(bootstrapSessionPolicy(access.partition, access.accountId, access.rolePath)),
        DurationSeconds: 900,
      }),
    );
    if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey) {
      throw new Error(`AssumeRole on ${roleArn} returned no credentials`);
    }
    const iam = new IAMClient({
      region,
      ...SDK_CLIENT_OPTIONS,
      ...(sharedRequestHandler !== undefined ? { requestHandler: sharedRequestHandler } : {}),
      credentials: {
        accessKeyId: Credentials.AccessKeyId,
        secretAccessKey: Credentials.SecretAccessKey,
        sessionToken: Credentials.SessionToken,
      },
    });
    sharedRequestHandler ??= iam.config.requestHandler;
    return iam;
  } catch (error) {
    if (isAccessDenied(error)) {
      throw new BootstrapRoleDenied(
        `Cannot assume ${roleArn}: the account must trust this service's account through its ` +
          `"${access.bootstrapRoleName}" role (${(error as Error).message})`,
      );
    }
    return rethrowTransient(error, `AssumeRole ${roleArn}`);
  }
}
