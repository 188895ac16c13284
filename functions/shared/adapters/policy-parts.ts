// A provider role's CAPA parts moved to another CAPA policy, in the target account. The order keeps
// the role's permissions a superset of the old or the new policy throughout: new parts are created
// and attached first, then existing parts get their new default version, and parts the new split no
// longer has are removed last. Only policies tagged as this provider's are ever changed.
import { AttachRolePolicyCommand, CreatePolicyCommand, type IAMClient, type Policy } from '@aws-sdk/client-iam';
import { capaPolicyName, type CapaPolicy } from '../domain/capa-policy.js';
import { PolicyUpgradeFailed } from '../domain/policy-upgrade.js';
import type { PolicyDocument } from '../domain/policy-documents.js';
import { managedPolicyArnOf, type IamLocation } from '../domain/provider.js';
import { callAws, isEntityAlreadyExists } from './aws-errors.js';
import { bringPolicyTo, TAG_POLICY_VERSION } from './policy-versions.js';
import {
  attachedPolicyArns,
  createdForProvider,
  findPolicy,
  isOwnedBy,
  ownExtraParts,
  ownRoleCandidate,
  removeExtraParts,
  TAG_CREATED_BY,
  TAG_PROVIDER_ID,
} from './role-provisioning.js';

/** IAM's default quota of managed policies attached to one role. */
export const MAX_MANAGED_POLICIES_PER_ROLE = 10;

export interface ProviderPolicyTarget extends IamLocation {
  roleName: string;
  providerId: string;
}

interface Part {
  index: number;
  arn: string;
  document: PolicyDocument;
  existing: (Policy & { Arn: string }) | undefined;
}

async function existingPolicy(iam: IAMClient, arn: string): Promise<(Policy & { Arn: string }) | undefined> {
  const policy = await findPolicy(iam, arn);
  return policy === undefined ? undefined : { ...policy, Arn: arn };
}

/** The parts the policy splits into, each with the policy of that name if there is one; a foreign one is a conflict. */
async function readParts(iam: IAMClient, target: ProviderPolicyTarget, policy: CapaPolicy): Promise<Part[]> {
  const parts: Part[] = [];
  for (const [index, document] of policy.parts.entries()) {
    const arn = managedPolicyArnOf(target, capaPolicyName(target.roleName, index));
    const existing = await existingPolicy(iam, arn);
    if (existing && !isOwnedBy(existing.Tags, createdForProvider(target.providerId))) {
      throw new PolicyUpgradeFailed('POLICY_CONFLICT', `policy ${arn} exists but is not tagged ${TAG_PROVIDER_ID}=${target.providerId}; it was left unchanged`);
    }
    parts.push({ index, arn, document, existing });
  }
  return parts;
}

function checkQuota(target: ProviderPolicyTarget, attached: string[], parts: Part[], extras: string[]): void {
  const after = new Set([...attached.filter((arn) => !extras.includes(arn)), ...parts.map((part) => part.arn)]);
  if (after.size > MAX_MANAGED_POLICIES_PER_ROLE) {
    throw new PolicyUpgradeFailed(
      'POLICY_LIMIT_EXCEEDED',
      `role ${target.roleName} would hold ${after.size} managed policies (${parts.length} CAPA part(s) and ` +
        `${after.size - parts.length} other(s)); IAM allows ${MAX_MANAGED_POLICIES_PER_ROLE} per role by default. Nothing was changed`,
    );
  }
}

async function attach(iam: IAMClient, roleName: string, arn: string): Promise<void> {
  try {
    await callAws(`AttachRolePolicy ${arn}`, () => iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: arn })));
  } catch (error) {
    if ((error as { name?: string }).name?.startsWith('LimitExceeded')) {
      throw new PolicyUpgradeFailed('POLICY_LIMIT_EXCEEDED', `IAM refused to attach ${arn} to ${roleName}: ${(error as Error).message}`);
    }
    throw error;
  }
}

/** Creates a missing part with our tags; one created meanwhile (a retried invocation) is brought to the version instead. */
async function createPart(iam: IAMClient, target: ProviderPolicyTarget, part: Part, policy: CapaPolicy, createdBy: string): Promise<void> {
  const name = part.arn.slice(managedPolicyArnOf(target, '').length);
  try {
    await callAws(`CreatePolicy ${part.arn}`, () =>
      iam.send(
        new CreatePolicyCommand({
          PolicyName: name,
          Path: target.rolePath,
          PolicyDocument: JSON.stringify(part.document),
          Description: `CAPA minimal policy, part ${part.index + 1} of ${policy.parts.length}, ${policy.version}`,
          Tags: [
            { Key: TAG_PROVIDER_ID, Value: target.providerId },
            { Key: TAG_CREATED_BY, Value: createdBy },
            { Key: TAG_POLICY_VERSION, Value: policy.version },
          ],
        }),
      ),
    );
  } catch (error) {
    if (!isEntityAlreadyExists(error)) throw error;
    const found = await existingPolicy(iam, part.arn);
    if (found && !isOwnedBy(found.Tags, createdForProvider(target.providerId))) {
      throw new PolicyUpgradeFailed('POLICY_CONFLICT', `policy ${part.arn} appeared meanwhile without the tag ${TAG_PROVIDER_ID}=${target.providerId}; it was left unchanged`);
    }
    if (found) await bringPolicyTo(iam, found, part.document, policy.version);
  }
}

/**
 * Moves the role's parts to `policy` and returns their ARNs in attachment order. `knownArns` are
 * the parts the registry recorded, so a part detached by an interrupted run is still removed.
 * `createdBy` is the owner tag of the parts this run creates (the rollout).
 */
export async function applyPolicyParts(
  iam: IAMClient,
  target: ProviderPolicyTarget,
  policy: CapaPolicy,
  knownArns: string[],
  createdBy: string,
): Promise<string[]> {
  const role = await ownRoleCandidate(iam, target.roleName);
  if (!role || role.Path !== target.rolePath) {
    throw new PolicyUpgradeFailed('ROLE_MISSING', `role ${target.roleName} does not exist at ${target.rolePath} in account ${target.accountId}`);
  }
  const attached = await attachedPolicyArns(iam, target.roleName);
  const parts = await readParts(iam, target, policy);
  const extras = await ownExtraParts(iam, target, policy, [...knownArns, ...attached]);
  checkQuota(target, attached, parts, extras);

  for (const part of parts.filter((p) => p.existing === undefined)) {
    await createPart(iam, target, part, policy, createdBy);
    await attach(iam, target.roleName, part.arn);
  }
  for (const part of parts.filter((p) => p.existing !== undefined)) {
    await bringPolicyTo(iam, part.existing!, part.document, policy.version);
    if (!attached.includes(part.arn)) await attach(iam, target.roleName, part.arn);
  }
  await removeExtraParts(iam, target.roleName, extras, attached);
  return parts.map((part) => part.arn);
}
