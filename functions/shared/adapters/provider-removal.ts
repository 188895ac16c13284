// Offboarding in the target account: removes the provider's CAPA policies and role, and only what
// carries this product's tag for this provider (created by any of its executions). Anything else
// found at the provider's names (a hand-made role, a policy someone else owns, a policy attached
// from elsewhere) is left in place and named, with the reason, in the result.
import type { IAMClient } from '@aws-sdk/client-iam';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { CAPA_POLICY_PARTS, capaPolicyName } from '../domain/capa-policy.js';
import { managedPolicyArnOf, roleArnOf, type IamLocation, type LeftInPlace } from '../domain/provider.js';
import { isAccessDenied, isDeleteConflict, isNoSuchEntity, rethrowTransient } from './aws-errors.js';
import {
  createdForProvider,
  deleteManagedPolicy,
  deleteRoleAndAttachments,
  findPolicy,
  isOwnedBy,
  policiesOnRemainingRole,
  type Ownership,
} from './role-provisioning.js';

export interface ProviderResources extends IamLocation {
  providerId: string;
  roleName: string;
}

export interface RemovalResult {
  removed: string[];
  leftInPlace: LeftInPlace[];
}

const notOurs = (providerId: string) => `not created by this product for provider ${providerId}`;

/**
 * The role of this name on the product's path, if any. A denied read is not a role found: IAM
 * authorizes a name it cannot resolve (an absent role) against the path-less ARN, which the
 * path-scoped session may not read, exactly as it does a role elsewhere. Neither is this product's.
 */
async function roleOnProductPath(iam: IAMClient, roleName: string) {
  try {
    return (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  } catch (error) {
    if (isNoSuchEntity(error) || isAccessDenied(error)) return undefined;
    return rethrowTransient(error, `GetRole ${roleName}`);
  }
}

/** Runs a delete; IAM's DeleteConflict (still referenced) becomes the reason it stays. */
async function deleteOrExplain(what: () => Promise<void>, conflict: string): Promise<string | undefined> {
  try {
    await what();
    return undefined;
  } catch (error) {
    if (isDeleteConflict(error)) return `${conflict} (${(error as Error).message})`;
    throw error;
  }
}

/** The provider's CAPA policies by name, plus whatever is attached to its role, each once. */
function policyCandidates(target: ProviderResources, attached: string[]): string[] {
  const byName = [...CAPA_POLICY_PARTS.keys()].map((index) => managedPolicyArnOf(target, capaPolicyName(target.roleName, index)));
  return [...new Set([...byName, ...attached])];
}

async function removePolicies(
  iam: IAMClient,
  target: ProviderResources,
  owner: Ownership,
  roleName: string | undefined,
  result: RemovalResult,
): Promise<void> {
  const attached = roleName === undefined ? [] : await policiesOnRemainingRole(iam, roleName);
  const productPolicies = `arn:${target.partition}:iam::${target.accountId}:policy${target.rolePath}`;
  for (const arn of policyCandidates(target, attached)) {
    if (!arn.startsWith(productPolicies)) {
      result.leftInPlace.push({ resource: arn, why: `outside ${target.rolePath}, so not this product's; attached to the provider role` });
      continue;
    }
    const policy = await findPolicy(iam, arn);
    if (policy === undefined) continue;
    if (!isOwnedBy(policy.Tags, owner)) {
      result.leftInPlace.push({ resource: arn, why: notOurs(target.providerId) });
      continue;
    }
    const kept = await deleteOrExplain(() => deleteManagedPolicy(iam, arn, roleName), 'still attached to other roles, users or groups');
    if (kept === undefined) result.removed.push(arn);
    else result.leftInPlace.push({ resource: arn, why: kept });
  }
}

/**
 * Removes the provider's policies (detached, every version deleted) and then its role, each only
 * when it carries the provider's owner tag. Idempotent: what is already gone is skipped, and what
 * goes meanwhile (a concurrent cleanup of the provider: an ended execution's leftovers) counts as removed.
 */
export async function removeProviderResources(iam: IAMClient, target: ProviderResources): Promise<RemovalResult> {
  const owner = createdForProvider(target.providerId);
  const result: RemovalResult = { removed: [], leftInPlace: [] };
  const role = await roleOnProductPath(iam, target.roleName);
  await removePolicies(iam, target, owner, role === undefined ? undefined : target.roleName, result);

  if (role !== undefined) {
    const roleArn = role.Arn ?? roleArnOf(target);
    if (!isOwnedBy(role.Tags, owner)) {
      result.leftInPlace.push({ resource: roleArn, why: notOurs(target.providerId) });
    } else {
      const kept = await deleteOrExplain(
        () => deleteRoleAndAttachments(iam, target.roleName),
        'IAM refused to delete it: it still has inline policies or an instance profile',
      );
      if (kept === undefined) result.removed.push(roleArn);
      else result.leftInPlace.push({ resource: roleArn, why: kept });
    }
  }
  return result;
}

/** What a forced offboarding leaves when the account cannot be reached: everything, unchecked. */
export function unreachableAccountResult(target: ProviderResources, why: string): RemovalResult {
  const unchecked = `not checked: ${why}`;
  return {
    removed: [],
    leftInPlace: [
      { resource: roleArnOf(target), why: unchecked },
      ...[...CAPA_POLICY_PARTS.keys()].map((index) => ({
        resource: managedPolicyArnOf(target, capaPolicyName(target.roleName, index)),
        why: unchecked,
      })),
    ],
  };
}
