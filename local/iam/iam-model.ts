// The IAM data model of each account: roles, inline and managed policies, tags, with IAM's own
// validation and limits. Shared by the query API and the control plane (template deployer, tests).
import { randomInt } from 'node:crypto';
import { AwsServiceError, type PolicyDocument } from '../core/types.js';
import { findAwsManagedPolicy, type AwsManagedPolicy } from './managed-policies.js';
import { LIMITS, parsePolicyDocument, policySize } from './policy-document.js';
import type { AccountIamState, LocalIamState, ManagedPolicyRecord, RoleRecord, Tag } from './state.js';

export const MAX_MANAGED_POLICIES_PER_ROLE = 10;
export const MAX_POLICY_VERSIONS = 5;
export const MAX_TAGS = 50;
const NAME_PATTERN = /^[\w+=,.@-]+$/;
const PATH_PATTERN = /^(\/|\/[\x21-\x7E]+\/)$/;
const TAG_KEY_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function randomId(prefix: string, length = 17): string {
  let out = prefix;
  for (let i = 0; i < length; i += 1) out += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return out;
}

export function validationError(message: string): AwsServiceError {
  return new AwsServiceError('ValidationError', message, 400);
}

function constraint(value: string, field: string, rule: string): AwsServiceError {
  return validationError(`1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${rule}`);
}

export function noSuchEntity(message: string): AwsServiceError {
  return new AwsServiceError('NoSuchEntity', message, 404);
}

function limitExceeded(message: string): AwsServiceError {
  return new AwsServiceError('LimitExceeded', message, 409);
}

function checkName(value: string, field: string, max: number): void {
  if (value.length < 1 || value.length > max) throw constraint(value, field, `Member must have length less than or equal to ${max}`);
  if (!NAME_PATTERN.test(value)) throw constraint(value, field, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
}

function checkPath(value: string, field: string): void {
  if (value.length > 512) throw constraint(value, field, 'Member must have length less than or equal to 512');
  if (!PATH_PATTERN.test(value)) {
    throw constraint(value, field, 'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)');
  }
}

function checkTags(tags: Tag[]): void {
  const seen = new Set<string>();
  for (const tag of tags) {
    if (tag.Key.length < 1 || tag.Key.length > 128 || !TAG_KEY_PATTERN.test(tag.Key)) {
      throw constraint(tag.Key, 'tags.member.key', 'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+');
    }
    if (tag.Value.length > 256 || !TAG_VALUE_PATTERN.test(tag.Value)) {
      throw constraint(tag.Value, 'tags.member.value', 'Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*');
    }
    if (seen.has(tag.Key)) throw new AwsServiceError('InvalidInput', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.', 400);
    seen.add(tag.Key);
  }
}

/** Tags merged as TagRole/TagPolicy do: same key replaces the value. */
function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  checkTags(added);
  const merged = existing.map((t) => ({ ...t }));
  for (const tag of added) {
    const found = merged.find((t) => t.Key === tag.Key);
    if (found !== undefined) found.Value = tag.Value;
    else merged.push({ ...tag });
  }
  if (merged.length > MAX_TAGS) throw limitExceeded(`The number of tags has reached the maximum limit of ${MAX_TAGS}.`);
  return merged;
}

export type ResolvedPolicy =
  | { kind: 'local'; arn: string; record: ManagedPolicyRecord }
  | { kind: 'aws'; arn: string; policy: AwsManagedPolicy };

export interface CreateRoleInput {
  /** Already propagated (roles AWS services create as part of a completed operation, such as an account's bootstrap role). */
  propagated?: boolean;
  roleName: string;
  path?: string;
  trustPolicy: string;
  description?: string;
  maxSessionDuration?: number;
  tags?: Tag[];
}

export interface CreatePolicyInput {
  policyName: string;
  path?: string;
  document: string;
  description?: string;
  tags?: Tag[];
}

export class IamModel {
  constructor(
    private readonly state: () => LocalIamState,
    private readonly now: () => number,
    private readonly propagationDelayMs: () => number,
  ) {}

  account(accountId: string): AccountIamState {
    const accounts = this.state().accounts;
    let account = accounts[accountId];
    if (account === undefined) {
      account = { roles: {}, policies: {} };
      accounts[accountId] = account;
    }
    return account;
  }

  findRole(accountId: string, roleName: string): RoleRecord | undefined {
    return this.state().accounts[accountId]?.roles[roleName.toLowerCase()];
  }

  requireRole(accountId: string, roleName: string): RoleRecord {
    const role = this.findRole(accountId, roleName);
    if (role === undefined) throw noSuchEntity(`The role with name ${roleName} cannot be found.`);
    return role;
  }

  /** The role an ARN names, only if its path matches too (an ARN with another path is another role). */
  roleByArn(roleArn: string): RoleRecord | undefined {
    const match = /^arn:[^:]+:iam::(\d{12}):role(\/(?:.*\/)?)([^/]+)$/.exec(roleArn);
    if (match === null) return undefined;
    const role = this.findRole(match[1] ?? '', match[3] ?? '');
    return role !== undefined && role.path === match[2] ? role : undefined;
  }

  roles(accountId: string): RoleRecord[] {
    return Object.values(this.state().accounts[accountId]?.roles ?? {}).sort((a, b) => a.roleName.localeCompare(b.roleName));
  }

  checkTrustPolicy(text: string): PolicyDocument {
    const document = parsePolicyDocument(text, 'trust');
    if (policySize(text) > LIMITS.trustPolicyChars) {
      throw limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${LIMITS.trustPolicyChars}`);
    }
    return document;
  }

  createRole(accountId: string, input: CreateRoleInput): RoleRecord {
    checkName(input.roleName, 'roleName', 64);
    const path = input.path ?? '/';
    checkPath(path, 'path');
    if (input.description !== undefined && input.description.length > 1000) {
      throw constraint(input.description, 'description', 'Member must have length less than or equal to 1000');
    }
    const maxSessionDuration = input.maxSessionDuration ?? 3600;
    if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43200) {
      throw constraint(String(input.maxSessionDuration), 'maxSessionDuration', 'Member must have value between 3600 and 43200');
    }
    const tags = input.tags ?? [];
    checkTags(tags);
    if (tags.length > MAX_TAGS) throw limitExceeded(`The number of tags has reached the maximum limit of ${MAX_TAGS}.`);
    this.checkTrustPolicy(input.trustPolicy);
    const account = this.account(accountId);
    if (account.roles[input.roleName.toLowerCase()] !== undefined) {
      throw new AwsServiceError('EntityAlreadyExists', `Role with name ${input.roleName} already exists.`, 409);
    }
    const now = this.now();
    const role: RoleRecord = {
      accountId,
      roleName: input.roleName,
      roleId: randomId('AROA'),
      path,
      arn: `arn:aws:iam::${accountId}:role${path}${input.roleName}`,
      createDate: now,
      trustPolicy: input.trustPolicy,
      ...(input.description !== undefined ? { description: input.description } : {}),
      maxSessionDuration,
      tags: tags.map((t) => ({ ...t })),
      inlinePolicies: {},
      attachedPolicyArns: [],
      assumableAt: input.propagated ? now : now + Math.max(0, this.propagationDelayMs()),
    };
    account.roles[input.roleName.toLowerCase()] = role;
    return role;
  }

  deleteRole(accountId: string, roleName: string): void {
    const role = this.requireRole(accountId, roleName);
    if (role.attachedPolicyArns.length > 0) {
      throw new AwsServiceError('DeleteConflict', 'Cannot delete entity, must detach all policies first.', 409);
    }
    if (Object.keys(role.inlinePolicies).length > 0) {
      throw new AwsServiceError('DeleteConflict', 'Cannot delete entity, must delete policies first.', 409);
    }
    delete this.account(accountId).roles[role.roleName.toLowerCase()];
  }

  updateAssumeRolePolicy(accountId: string, roleName: string, text: string): void {
    const role = this.requireRole(accountId, roleName);
    this.checkTrustPolicy(text);
    role.trustPolicy = text;
    // A changed trust policy propagates like a new role: until then, AssumeRole sees "not authorized".
    role.assumableAt = this.now() + Math.max(0, this.propagationDelayMs());
  }

  tagRole(accountId: string, roleName: string, tags: Tag[]): void {
    const role = this.requireRole(accountId, roleName);
    role.tags = mergeTags(role.tags, tags);
  }

  untagRole(accountId: string, roleName: string, keys: string[]): void {
    const role = this.requireRole(accountId, roleName);
    role.tags = role.tags.filter((t) => !keys.includes(t.Key));
  }

  putRolePolicy(accountId: string, roleName: string, policyName: string, text: string): void {
    checkName(policyName, 'policyName', 128);
    const role = this.requireRole(accountId, roleName);
    parsePolicyDocument(text, 'identity');
    const others = Object.entries(role.inlinePolicies)
      .filter(([name]) => name !== policyName)
      .reduce((sum, [, doc]) => sum + policySize(doc), 0);
    if (others + policySize(text) > LIMITS.inlinePolicyCharsPerRole) {
      throw limitExceeded(`Maximum policy size of ${LIMITS.inlinePolicyCharsPerRole} bytes exceeded for role ${role.roleName}`);
    }
    role.inlinePolicies[policyName] = text;
  }

  getRolePolicy(accountId: string, roleName: string, policyName: string): string {
    const role = this.requireRole(accountId, roleName);
    const text = role.inlinePolicies[policyName];
    if (text === undefined) throw noSuchEntity(`The role policy with name ${policyName} cannot be found.`);
    return text;
  }

  deleteRolePolicy(accountId: string, roleName: string, policyName: string): void {
    this.getRolePolicy(accountId, roleName, policyName);
    delete this.requireRole(accountId, roleName).inlinePolicies[policyName];
  }

  /** A local policy of this account or an AWS managed one; other accounts' policies are invisible. */
  resolvePolicy(accountId: string, arn: string): ResolvedPolicy | undefined {
    const aws = findAwsManagedPolicy(arn);
    if (aws !== undefined) return { kind: 'aws', arn, policy: aws };
    const record = this.state().accounts[accountId]?.policies[arn];
    return record !== undefined ? { kind: 'local', arn, record } : undefined;
  }

  requirePolicy(accountId: string, arn: string): ResolvedPolicy {
    if (!/^arn:[^:]+:iam::(\d{12}|aws):policy\/.+$/.test(arn)) {
      throw validationError(`ARN ${arn} is not valid.`);
    }
    const policy = this.resolvePolicy(accountId, arn);
    if (policy === undefined) throw noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
    return policy;
  }

  requireLocalPolicy(accountId: string, arn: string): ManagedPolicyRecord {
    const policy = this.requirePolicy(accountId, arn);
    if (policy.kind !== 'local') {
      throw new AwsServiceError('AccessDenied', `AWS managed policy ${arn} cannot be modified.`, 403);
    }
    return policy.record;
  }

  attachRolePolicy(accountId: string, roleName: string, policyArn: string): void {
    const role = this.requireRole(accountId, roleName);
    this.requirePolicy(accountId, policyArn);
    if (role.attachedPolicyArns.includes(policyArn)) return;
    if (role.attachedPolicyArns.length >= MAX_MANAGED_POLICIES_PER_ROLE) {
      throw limitExceeded(`Cannot exceed quota for PoliciesPerRole: ${MAX_MANAGED_POLICIES_PER_ROLE}`);
    }
    role.attachedPolicyArns.push(policyArn);
    const local = this.resolvePolicy(accountId, policyArn);
    if (local?.kind === 'local') local.record.updateDate = this.now();
  }

  detachRolePolicy(accountId: string, roleName: string, policyArn: string): void {
    const role = this.requireRole(accountId, roleName);
    if (!role.attachedPolicyArns.includes(policyArn)) throw noSuchEntity(`Policy ${policyArn} was not found.`);
    role.attachedPolicyArns = role.attachedPolicyArns.filter((arn) => arn !== policyArn);
  }

  attachmentCount(accountId: string, policyArn: string): number {
    return this.roles(accountId).filter((role) => role.attachedPolicyArns.includes(policyArn)).length;
  }

  policies(accountId: string): ManagedPolicyRecord[] {
    return Object.values(this.state().accounts[accountId]?.policies ?? {}).sort((a, b) => a.policyName.localeCompare(b.policyName));
  }

  private checkManagedDocument(text: string): void {
    parsePolicyDocument(text, 'identity');
    if (policySize(text) > LIMITS.managedPolicyChars) {
      throw limitExceeded(`Cannot exceed quota for PolicySize: ${LIMITS.managedPolicyChars}`);
    }
  }

  createPolicy(accountId: string, input: CreatePolicyInput): ManagedPolicyRecord {
    checkName(input.policyName, 'policyName', 128);
    const path = input.path ?? '/';
    checkPath(path, 'path');
    if (input.description !== undefined && input.description.length > 1000) {
      throw constraint(input.description, 'description', 'Member must have length less than or equal to 1000');
    }
    const tags = input.tags ?? [];
    checkTags(tags);
    if (tags.length > MAX_TAGS) throw limitExceeded(`The number of tags has reached the maximum limit of ${MAX_TAGS}.`);
    this.checkManagedDocument(input.document);
    const account = this.account(accountId);
    const lower = input.policyName.toLowerCase();
    if (Object.values(account.policies).some((p) => p.policyName.toLowerCase() === lower)) {
      throw new AwsServiceError('EntityAlreadyExists', `A policy called ${input.policyName} already exists. Duplicate names are not allowed.`, 409);
    }
    const now = this.now();
    const record: ManagedPolicyRecord = {
      accountId,
      policyName: input.policyName,
      policyId: randomId('ANPA'),
      path,
      arn: `arn:aws:iam::${accountId}:policy${path}${input.policyName}`,
      ...(input.description !== undefined ? { description: input.description } : {}),
      createDate: now,
      updateDate: now,
      defaultVersionId: 'v1',
      versions: [{ versionId: 'v1', document: input.document, createDate: now }],
      nextVersion: 2,
      tags: tags.map((t) => ({ ...t })),
    };
    account.policies[record.arn] = record;
    return record;
  }

  createPolicyVersion(accountId: string, arn: string, text: string, setAsDefault: boolean): string {
    const record = this.requireLocalPolicy(accountId, arn);
    this.checkManagedDocument(text);
    if (record.versions.length >= MAX_POLICY_VERSIONS) {
      throw limitExceeded(
        `A managed policy can have up to ${MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
      );
    }
    const versionId = `v${record.nextVersion}`;
    record.nextVersion += 1;
    const now = this.now();
    record.versions.push({ versionId, document: text, createDate: now });
    record.updateDate = now;
    if (setAsDefault) record.defaultVersionId = versionId;
    return versionId;
  }

  setDefaultPolicyVersion(accountId: string, arn: string, versionId: string): void {
    const record = this.requireLocalPolicy(accountId, arn);
    if (!record.versions.some((v) => v.versionId === versionId)) {
      throw noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
    }
    record.defaultVersionId = versionId;
    record.updateDate = this.now();
  }

  deletePolicyVersion(accountId: string, arn: string, versionId: string): void {
    const record = this.requireLocalPolicy(accountId, arn);
    if (!record.versions.some((v) => v.versionId === versionId)) {
      throw noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
    }
    if (record.defaultVersionId === versionId) {
      throw new AwsServiceError('DeleteConflict', 'Cannot delete the default version of a policy.', 409);
    }
    record.versions = record.versions.filter((v) => v.versionId !== versionId);
  }

  deletePolicy(accountId: string, arn: string): void {
    const record = this.requireLocalPolicy(accountId, arn);
    if (this.attachmentCount(accountId, arn) > 0) {
      throw new AwsServiceError('DeleteConflict', 'Cannot delete a policy attached to entities.', 409);
    }
    if (record.versions.length > 1) {
      throw new AwsServiceError(
        'DeleteConflict',
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        409,
      );
    }
    delete this.account(accountId).policies[arn];
  }

  tagPolicy(accountId: string, arn: string, tags: Tag[]): void {
    const record = this.requireLocalPolicy(accountId, arn);
    record.tags = mergeTags(record.tags, tags);
  }

  untagPolicy(accountId: string, arn: string, keys: string[]): void {
    const record = this.requireLocalPolicy(accountId, arn);
    record.tags = record.tags.filter((t) => !keys.includes(t.Key));
  }

  /** The default version's document of a policy, local or AWS managed. */
  policyDocument(policy: ResolvedPolicy): PolicyDocument {
    if (policy.kind === 'aws') return policy.policy.document;
    const version = policy.record.versions.find((v) => v.versionId === policy.record.defaultVersionId);
    return JSON.parse(version?.document ?? '{"Statement":[]}') as PolicyDocument;
  }

  /** A role's identity-based policies: inline ones and the default versions of attached managed ones. */
  identityPolicies(role: RoleRecord): PolicyDocument[] {
    const documents: PolicyDocument[] = Object.values(role.inlinePolicies).map((text) => JSON.parse(text) as PolicyDocument);
    for (const arn of role.attachedPolicyArns) {
      const policy = this.resolvePolicy(role.accountId, arn);
      if (policy !== undefined) documents.push(this.policyDocument(policy));
    }
    return documents;
  }
}
