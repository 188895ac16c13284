// The management cluster's permission to assume onboarded roles (the seed's third policy).
import { INLINE_POLICIES_SIZE_LIMIT, policySize, type PolicyDocument } from './policy-documents.js';
import { GrantLimitExceeded } from './errors.js';

/** The inline policy this service owns on the management role. */
export const MANAGEMENT_GRANT_POLICY_NAME = 'capa-provider-onboarding-assume';
const GRANT_SID = 'AssumeOnboardedCapaRoles';

export type GrantMode = 'path' | 'per-role';

/**
 * One statement for every role under the product's path, in any account: written once, never
 * rewritten per provider, so it neither grows with the fleet nor makes the management role a hot spot.
 */
export function buildPathGrant(partition: string, rolePath: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: GRANT_SID, Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:${partition}:iam::*:role${rolePath}*` },
    ],
  };
}

function grantedRoles(document: PolicyDocument | undefined): string[] {
  const statement = document?.Statement.find((s) => s.Sid === GRANT_SID);
  if (!statement?.Resource) return [];
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/** IAM glob (`*`, `?`) of a Resource element against an ARN. */
function resourcePatternMatches(pattern: string, arn: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(arn);
}

/** Whether the grant document (this service's statement in it) lets the management role assume `roleArn`. */
export function grantCoversRole(document: PolicyDocument | undefined, roleArn: string): boolean {
  return grantedRoles(document).some((pattern) => resourcePatternMatches(pattern, roleArn));
}

function perRoleGrant(roleArns: string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: GRANT_SID, Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [...roleArns].sort() }],
  };
}

/**
 * Per-role mode: the document with `roleArn` added. Undefined when it is already granted.
 * Throws GrantLimitExceeded before the document would pass IAM's inline-policy quota.
 */
export function addRoleToGrant(current: PolicyDocument | undefined, roleArn: string): PolicyDocument | undefined {
  const roles = grantedRoles(current);
  if (roles.includes(roleArn)) return undefined;
  const next = perRoleGrant([...roles, roleArn]);
  const size = policySize(next);
  if (size > INLINE_POLICIES_SIZE_LIMIT) {
    throw new GrantLimitExceeded(
      `Granting ${roleArn} would make the management role's inline policy ${size} characters ` +
        `(IAM allows ${INLINE_POLICIES_SIZE_LIMIT}); switch grantMode to "path"`,
    );
  }
  return next;
}

/** Per-role mode: the document without `roleArn`; undefined when it was not granted, null when nothing is left. */
export function removeRoleFromGrant(
  current: PolicyDocument | undefined,
  roleArn: string,
): PolicyDocument | null | undefined {
  const roles = grantedRoles(current);
  if (!roles.includes(roleArn)) return undefined;
  const rest = roles.filter((arn) => arn !== roleArn);
  return rest.length === 0 ? null : perRoleGrant(rest);
}

/** Where the grant lives and how it is shaped. */
export interface ManagementGrantTarget {
  /** The management cluster's role, e.g. arn:aws:iam::000000000000:role/capa-management */
  managementRoleArn: string;
  partition: string;
  rolePath: string;
  mode: GrantMode;
}

export function managementRoleName(managementRoleArn: string): string {
  const name = managementRoleArn.split('/').pop();
  if (!name) throw new Error(`Not a role ARN: ${managementRoleArn}`);
  return name;
}
