// Creating, and on failure removing, a provider's role and CAPA policies in the target account.
// Every step is idempotent; what an execution creates is tagged with the execution's name, so its
// compensation removes exactly that and never a role or policy someone else owns.
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetPolicyCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  UpdateAssumeRolePolicyCommand,
  type IAMClient,
  type Role,
  type Tag,
} from '@aws-sdk/client-iam';
import { isAccessDenied, isDeleteConflict, isEntityAlreadyExists, isNoSuchEntity, rethrowTransient } from './aws-errors.js';
import { CAPA_POLICY_PARTS, capaPolicyName, capaPolicyPartIndex, SHIPPED_CAPA_POLICY, type CapaPolicy } from '../domain/capa-policy.js';
import { PolicyConflict, RoleConflict } from '../domain/errors.js';
import type { PolicyDocument } from '../domain/policy-documents.js';
import { bringPolicyTo, defaultDocumentOf, TAG_POLICY_VERSION } from './policy-versions.js';
import { managedPolicyArnOf, roleArnOf } from '../domain/provider.js';
import { sameTrustPolicy } from '../domain/trust-policy.js';

export const TAG_PROVIDER_ID = 'capa-onboarding:provider-id';
export const TAG_CREATED_BY = 'capa-onboarding:created-by-execution';
export { TAG_POLICY_VERSION };

export interface ProviderRoleTarget {
  accountId: string;
  partition: string;
  roleName: string;
  rolePath: string;
  providerId: string;
  /** The Step Functions execution name: the owner tag of everything this run creates. */
  executionName: string;
}

async function call<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    return rethrowTransient(error, what);
  }
}

/** Undefined when the entity does not exist. */
async function lookup<T>(what: string, action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    return rethrowTransient(error, what);
  }
}

function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}

/**
 * Who owns an IAM entity, by its tags: compensation removes what one execution created
 * (TAG_CREATED_BY), offboarding what any execution created for the provider (TAG_PROVIDER_ID).
 */
export interface Ownership {
  tag: typeof TAG_CREATED_BY | typeof TAG_PROVIDER_ID;
  value: string;
}

export const createdByExecution = (executionName: string): Ownership => ({ tag: TAG_CREATED_BY, value: executionName });
export const createdForProvider = (providerId: string): Ownership => ({ tag: TAG_PROVIDER_ID, value: providerId });

/** Whether tags mark the entity as owned by `owner`: the one test of ownership before any delete. */
export function isOwnedBy(tags: Tag[] | undefined, owner: Ownership): boolean {
  return tagValue(tags, owner.tag) === owner.value;
}

function ownerTags(target: ProviderRoleTarget): Tag[] {
  return [
    { Key: TAG_PROVIDER_ID, Value: target.providerId },
    { Key: TAG_CREATED_BY, Value: target.executionName },
  ];
}

export interface EnsuredRole {
  roleArn: string;
  roleName: string;
  createdByThisExecution: boolean;
  /** When this step last saw the role in place: the start of the propagation clock. */
  ensuredAt: string;
  /** Set when this provider's own role had a drifted trust policy, which this step rewrote. */
  trustRestored?: true;
}

/** Creates the provider's role, tagged as this execution's; false when a role of that name exists. */
async function createRoleIfAbsent(iam: IAMClient, target: ProviderRoleTarget, trustPolicy: PolicyDocument): Promise<boolean> {
  try {
    await iam.send(
      new CreateRoleCommand({
        RoleName: target.roleName,
        Path: target.rolePath,
        AssumeRolePolicyDocument: JSON.stringify(trustPolicy),
        Description: `CAPA infrastructure provider ${target.providerId}`,
        MaxSessionDuration: 3600,
        Tags: ownerTags(target),
      }),
    );
    return true;
  } catch (error) {
    if (isEntityAlreadyExists(error)) return false;
    return rethrowTransient(error, `CreateRole ${roleArnOf(target)}`);
  }
}

/**
 * The role of this name, or why it cannot be read: AccessDenied for a name the path-scoped session
 * may not read (a role elsewhere, or one deleted since), NoSuchEntity for one deleted since.
 */
async function readRole(iam: IAMClient, roleName: string): Promise<{ role: Role | undefined } | { denied: Error }> {
  try {
    return { role: (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role };
  } catch (error) {
    if (isAccessDenied(error) || isNoSuchEntity(error)) return { denied: error as Error };
    return rethrowTransient(error, `GetRole ${roleName}`);
  }
}

/**
 * Creates the role, or accepts an existing one with the same path and trust. This provider's own
 * role (tagged with its provider id, at the product's path) whose trust drifted gets its trust
 * rewritten: that is how a DEGRADED provider is repaired without a second role. Any other role of
 * that name with another trust or path is someone else's: RoleConflict, untouched.
 */
export async function ensureRole(
  iam: IAMClient,
  target: ProviderRoleTarget,
  trustPolicy: PolicyDocument,
  now: () => Date = () => new Date(),
): Promise<EnsuredRole> {
  const roleArn = roleArnOf(target);
  const created = { roleArn, roleName: target.roleName, createdByThisExecution: true };
  if (await createRoleIfAbsent(iam, target, trustPolicy)) return { ...created, ensuredAt: now().toISOString() };
  let existing = await readRole(iam, target.roleName);
  if ('denied' in existing && (await createRoleIfAbsent(iam, target, trustPolicy))) {
    // The role CreateRole found was deleted before its read (a cleanup of an earlier attempt ending).
    return { ...created, ensuredAt: now().toISOString() };
  }
  if ('denied' in existing) existing = await readRole(iam, target.roleName);
  if ('denied' in existing) {
    // Role names are unique per account whatever the path: a role of this name that the session
    // (limited to the product's path) may not read lives outside that path, so it is someone else's.
    throw new RoleConflict(
      `Role ${target.roleName} already exists in account ${target.accountId} outside ${target.rolePath} ` +
        `(${existing.denied.message}); it was left unchanged`,
    );
  }
  const { role } = existing;
  const trust = role?.AssumeRolePolicyDocument ? JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument)) : undefined;
  if (role && role.Path === target.rolePath && !sameTrustPolicy(trust, trustPolicy) && tagValue(role.Tags, TAG_PROVIDER_ID) === target.providerId) {
    // This provider's own role whose trust drifted (edited out of band): repairing restores it.
    await call(`UpdateAssumeRolePolicy ${target.roleName}`, () =>
      iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: target.roleName, PolicyDocument: JSON.stringify(trustPolicy) })),
    );
    return {
      roleArn: role.Arn ?? roleArn,
      roleName: target.roleName,
      createdByThisExecution: tagValue(role.Tags, TAG_CREATED_BY) === target.executionName,
      ensuredAt: now().toISOString(),
      trustRestored: true,
    };
  }
  if (!role || role.Path !== target.rolePath || !sameTrustPolicy(trust, trustPolicy)) {
    throw new RoleConflict(
      `Role ${target.roleName} already exists in account ${target.accountId} with a different ` +
        `${role?.Path !== target.rolePath ? `path (${role?.Path})` : 'trust policy'}; it was left unchanged`,
    );
  }
  return {
    roleArn: role.Arn ?? roleArn,
    roleName: target.roleName,
    createdByThisExecution: isOwnedBy(role.Tags, createdByExecution(target.executionName)),
    ensuredAt: now().toISOString(),
  };
}

export interface AttachedPolicies {
  policyArns: string[];
  policyVersion: string;
}

function policyTags(target: ProviderRoleTarget, version: string): Tag[] {
  return [...ownerTags(target), { Key: TAG_POLICY_VERSION, Value: version }];
}

/**
 * Creates (or finds) the CAPA managed policies and attaches them to the role. A policy of that
 * name already there is brought to `policy` only when it is this provider's own (its provider tag):
 * an older CAPA version (a provider re-onboarded after a deployment changed the policy) or a drifted
 * default version gets a new default version. Anyone else's policy is PolicyConflict, untouched.
 */
export async function ensureCapaPolicies(iam: IAMClient, target: ProviderRoleTarget, policy: CapaPolicy = SHIPPED_CAPA_POLICY): Promise<AttachedPolicies> {
  const policyArns: string[] = [];
  let movedOwnOlderPolicy = false;
  for (const [index, document] of policy.parts.entries()) {
    const name = capaPolicyName(target.roleName, index);
    const arn = managedPolicyArnOf(target, name);
    try {
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: name,
          Path: target.rolePath,
          PolicyDocument: JSON.stringify(document),
          Description: `CAPA minimal policy, part ${index + 1} of ${policy.parts.length}, ${policy.version}`,
          Tags: policyTags(target, policy.version),
        }),
      );
    } catch (error) {
      if (!isEntityAlreadyExists(error)) rethrowTransient(error, `CreatePolicy ${arn}`);
      const existing = (await call(`GetPolicy ${arn}`, () => iam.send(new GetPolicyCommand({ PolicyArn: arn })))).Policy;
      const version = tagValue(existing?.Tags, TAG_POLICY_VERSION);
      if (!existing || (version !== policy.version && !isOwnedBy(existing.Tags, createdForProvider(target.providerId)))) {
        throw new PolicyConflict(
          `Policy ${arn} already exists with version ${version ?? 'unknown'} (expected ${policy.version}); it was left unchanged`,
        );
      }
      movedOwnOlderPolicy ||= version !== policy.version;
      await bringPolicyTo(iam, { ...existing, Arn: arn }, document, policy.version);
    }
    await call(`AttachRolePolicy ${arn}`, () =>
      iam.send(new AttachRolePolicyCommand({ RoleName: target.roleName, PolicyArn: arn })),
    );
    policyArns.push(arn);
  }
  // An older, larger split of this provider's policy left parts the shipped one no longer has.
  if (movedOwnOlderPolicy) await removeOwnExtraParts(iam, target, policy);
  return { policyArns, policyVersion: policy.version };
}

/**
 * This provider's CAPA parts beyond `policy`'s split, among `candidates` (ARNs from the registry or
 * attached to the role): named `<role>-capa-<n>` at the product path and tagged as the provider's.
 */
export async function ownExtraParts(
  iam: IAMClient,
  target: Omit<ProviderRoleTarget, 'executionName'>,
  policy: CapaPolicy,
  candidates: string[],
): Promise<string[]> {
  const prefix = managedPolicyArnOf(target, '');
  const extras: string[] = [];
  for (const arn of new Set(candidates)) {
    const index = arn.startsWith(prefix) ? capaPolicyPartIndex(target.roleName, arn.slice(prefix.length)) : undefined;
    if (index === undefined || index < policy.parts.length) continue;
    const existing = await findPolicy(iam, arn);
    if (existing && isOwnedBy(existing.Tags, createdForProvider(target.providerId))) extras.push(arn);
  }
  return extras;
}

/** Detaches and deletes `extras`; one still attached elsewhere (DeleteConflict) is only detached from this role. */
export async function removeExtraParts(iam: IAMClient, roleName: string, extras: string[], attached: string[]): Promise<void> {
  for (const arn of extras) {
    await deleteManagedPolicy(iam, arn, attached.includes(arn) ? roleName : undefined).catch((error: unknown) => {
      if (!isDeleteConflict(error)) throw error;
    });
  }
}

async function removeOwnExtraParts(iam: IAMClient, target: ProviderRoleTarget, policy: CapaPolicy): Promise<void> {
  const attached = await attachedPolicyArns(iam, target.roleName);
  await removeExtraParts(iam, target.roleName, await ownExtraParts(iam, target, policy, attached), attached);
}

/** What re-verification compares: the role as it is, and each CAPA policy's attachment and default document. */
export interface ProviderIamState {
  role?: { path: string | undefined; trust: PolicyDocument | undefined };
  policies: Array<{ arn: string; expected: PolicyDocument; exists: boolean; attached: boolean; defaultDocument: unknown }>;
}

/** Reads the provider's role and CAPA policies as they are in the target account (no writes). */
export async function readProviderIam(
  iam: IAMClient,
  target: Omit<ProviderRoleTarget, 'executionName'>,
  policy: CapaPolicy = SHIPPED_CAPA_POLICY,
): Promise<ProviderIamState> {
  const role = await ownRoleCandidate(iam, target.roleName);
  const attached = role
    ? ((await call(`ListAttachedRolePolicies ${target.roleName}`, () =>
        iam.send(new ListAttachedRolePoliciesCommand({ RoleName: target.roleName })),
      )).AttachedPolicies ?? []).map((policy) => policy.PolicyArn)
    : [];
  const policies: ProviderIamState['policies'] = [];
  for (const [index, expected] of policy.parts.entries()) {
    const arn = managedPolicyArnOf(target, capaPolicyName(target.roleName, index));
    const found = (await lookup(`GetPolicy ${arn}`, () => iam.send(new GetPolicyCommand({ PolicyArn: arn }))))?.Policy;
    const defaultDocument = found ? await defaultDocumentOf(iam, arn, found.DefaultVersionId) : undefined;
    policies.push({ arn, expected, exists: found !== undefined, attached: attached.includes(arn), defaultDocument });
  }
  if (!role) return { policies };
  const trust = role.AssumeRolePolicyDocument ? (JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument)) as PolicyDocument) : undefined;
  return { role: { path: role.Path, trust }, policies };
}

/**
 * The role of this name, if the session may see it. A denied read means the name belongs to a role
 * outside the product's path, which this product cannot have created.
 */
export async function ownRoleCandidate(iam: IAMClient, roleName: string) {
  try {
    return (await lookup(`GetRole ${roleName}`, () => iam.send(new GetRoleCommand({ RoleName: roleName }))))?.Role;
  } catch (error) {
    if (isAccessDenied(error)) return undefined;
    throw error;
  }
}

/** Whether the provider's role exists and carries this execution's owner tag. */
export async function roleCreatedBy(iam: IAMClient, target: ProviderRoleTarget): Promise<boolean> {
  const role = await ownRoleCandidate(iam, target.roleName);
  return role !== undefined && isOwnedBy(role.Tags, createdByExecution(target.executionName));
}

/** The managed policy, if it exists (its tags say who owns it). */
export async function findPolicy(iam: IAMClient, arn: string) {
  return (await lookup(`GetPolicy ${arn}`, () => iam.send(new GetPolicyCommand({ PolicyArn: arn }))))?.Policy;
}

/**
 * Whether a role this step saw on the product's path is gone now. A role cannot change its path, so
 * once its name no longer reads (NoSuchEntity, or AccessDenied: IAM authorizes a name it cannot
 * resolve against the path-less ARN, which the path-scoped session may not touch), it was deleted.
 */
async function roleGone(iam: IAMClient, roleName: string): Promise<boolean> {
  try {
    await iam.send(new GetRoleCommand({ RoleName: roleName }));
    return false;
  } catch (error) {
    if (isNoSuchEntity(error) || isAccessDenied(error)) return true;
    return rethrowTransient(error, `GetRole ${roleName}`);
  }
}

/**
 * One call on a role this step saw on the product's path; undefined when the role (or what the call
 * names) is gone meanwhile, removed by a concurrent cleanup of the same provider (an ended
 * execution's leftovers and an offboarding can overlap). A denial of a role still there stands.
 */
async function onRemainingRole<T>(iam: IAMClient, roleName: string, what: string, action: () => Promise<T>): Promise<T | undefined> {
  try {
    return await action();
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    if (isAccessDenied(error) && (await roleGone(iam, roleName))) return undefined;
    return rethrowTransient(error, what);
  }
}

/**
 * Detaches the policy from `roleName` (when given), deletes its non-default versions, then the
 * policy. Each call tolerates what is already gone, so a retried step, or two cleanups at once,
 * finish the job.
 */
export async function deleteManagedPolicy(iam: IAMClient, arn: string, roleName: string | undefined): Promise<void> {
  if (roleName !== undefined) {
    await onRemainingRole(iam, roleName, `DetachRolePolicy ${arn}`, () =>
      iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: arn })),
    );
  }
  const versions = await lookup(`ListPolicyVersions ${arn}`, () => iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn })));
  for (const version of versions?.Versions ?? []) {
    if (version.IsDefaultVersion || !version.VersionId) continue;
    await lookup(`DeletePolicyVersion ${arn}`, () =>
      iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: version.VersionId })),
    );
  }
  await lookup(`DeletePolicy ${arn}`, () => iam.send(new DeletePolicyCommand({ PolicyArn: arn })));
}

/** The managed policies attached to the role, by ARN. */
export async function attachedPolicyArns(iam: IAMClient, roleName: string): Promise<string[]> {
  const attached = await call(`ListAttachedRolePolicies ${roleName}`, () =>
    iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName })),
  );
  return policyArnsOf(attached.AttachedPolicies);
}

function policyArnsOf(attached: Array<{ PolicyArn?: string }> | undefined): string[] {
  return (attached ?? []).flatMap((policy) => (policy.PolicyArn ? [policy.PolicyArn] : []));
}

/** The managed policies attached to a role this step saw on the product's path; none once it is gone. */
export async function policiesOnRemainingRole(iam: IAMClient, roleName: string): Promise<string[]> {
  const attached = await onRemainingRole(iam, roleName, `ListAttachedRolePolicies ${roleName}`, () =>
    iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName })),
  );
  return policyArnsOf(attached?.AttachedPolicies);
}

/**
 * Detaches every managed policy from a role seen on the product's path, then deletes it (IAM
 * refuses the delete otherwise). A role gone meanwhile is done.
 */
export async function deleteRoleAndAttachments(iam: IAMClient, roleName: string): Promise<void> {
  for (const policyArn of await policiesOnRemainingRole(iam, roleName)) {
    await onRemainingRole(iam, roleName, `DetachRolePolicy ${policyArn}`, () =>
      iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn })),
    );
  }
  await onRemainingRole(iam, roleName, `DeleteRole ${roleName}`, () => iam.send(new DeleteRoleCommand({ RoleName: roleName })));
}

/** Removes the role and policies this execution created (by tag); returns the ARNs removed. */
export async function removeCreatedResources(iam: IAMClient, target: ProviderRoleTarget): Promise<string[]> {
  const owner = createdByExecution(target.executionName);
  const removed: string[] = [];
  const role = await ownRoleCandidate(iam, target.roleName);

  for (const index of CAPA_POLICY_PARTS.keys()) {
    const arn = managedPolicyArnOf(target, capaPolicyName(target.roleName, index));
    const policy = await findPolicy(iam, arn);
    if (!policy || !isOwnedBy(policy.Tags, owner)) continue;
    await deleteManagedPolicy(iam, arn, role ? target.roleName : undefined);
    removed.push(arn);
  }

  if (role !== undefined && isOwnedBy(role.Tags, owner)) {
    // A role this run created holds only what this run attached.
    await deleteRoleAndAttachments(iam, target.roleName);
    removed.push(role.Arn ?? roleArnOf(target));
  }
  return removed;
}

/** Replaces the provider role's trust policy (an External ID rotation); idempotent. */
export async function replaceTrustPolicy(iam: IAMClient, roleName: string, trustPolicy: PolicyDocument): Promise<void> {
  await call(`UpdateAssumeRolePolicy ${roleName}`, () =>
    iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: JSON.stringify(trustPolicy) })),
  );
}
