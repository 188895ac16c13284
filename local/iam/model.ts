// The IAM data model of each account: roles, inline and managed policies with their versions, tags,
// with IAM's own validation and quotas. Shared by the query API, STS, Organizations and the control
// plane (template deployer, tests). No wire format here.
import { ChangeLog } from '../core/changes.js';
import { AwsServiceError, type PolicyDocument } from '../core/types.js';
import { findAwsManagedPolicy, type AwsManagedPolicy } from './managed-policies.js';
import { addVersion, defaultDocument, deleteVersion, setDefaultVersion } from './policy-versions.js';
import { recordKeys } from './records.js';
import type { AccountIamState, IamAccounts, ManagedPolicyRecord, PolicyVersionRecord, RoleRecord, Tag } from './state.js';
import { UserDirectory } from './users.js';
import {
  MAX_MANAGED_POLICIES_PER_ROLE,
  checkDescription,
  checkInlinePolicy,
  checkManagedDocument,
  checkName,
  checkNewTags,
  checkPath,
  checkTrustPolicy,
  constraint,
  limitExceeded,
  mergeTags,
  noSuchEntity,
  randomId,
  validationError,
} from './validation.js';

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

export interface IamModelOptions {
  now: () => number;
  /** IAM propagation: sampled once per role at creation and at each trust policy change. */
  propagationDelayMs?: () => number;
  /** Where changed roles and policies are recorded for persistence. */
  changes?: ChangeLog;
}

/** Whatever carries identity-based policies: a role or a user. */
export type PolicyHolder = Pick<RoleRecord, 'accountId' | 'inlinePolicies' | 'attachedPolicyArns'>;

export class IamModel {
  private accounts: IamAccounts = {};
  /** IAM users: built in, so not part of the snapshot (see users.ts). */
  readonly users = new UserDirectory();
  private readonly now: () => number;
  private propagationDelayMs: () => number;
  private readonly changes: ChangeLog;

  constructor(options: IamModelOptions) {
    this.now = options.now;
    this.propagationDelayMs = options.propagationDelayMs ?? (() => 0);
    this.changes = options.changes ?? new ChangeLog();
  }

  private roleChanged(role: RoleRecord): void {
    this.changes.put(recordKeys.role(role), () => role);
  }

  private policyChanged(policy: ManagedPolicyRecord): void {
    this.changes.put(recordKeys.policy(policy), () => policy);
  }

  setPropagationDelay(fn: () => number): void {
    this.propagationDelayMs = fn;
  }

  /** When a role created or changed at `at` becomes assumable. */
  private propagatedAt(at: number): number {
    return at + Math.max(0, this.propagationDelayMs());
  }

  snapshot(): IamAccounts {
    return structuredClone(this.accounts);
  }

  restore(accounts: IamAccounts): void {
    this.accounts = structuredClone(accounts);
  }

  /** Every account IAM has state for (an account id must not be handed out twice). */
  accountIds(): string[] {
    return Object.keys(this.accounts);
  }

  account(accountId: string): AccountIamState {
    let account = this.accounts[accountId];
    if (account === undefined) {
      account = { roles: {}, policies: {} };
      this.accounts[accountId] = account;
    }
    return account;
  }

  findRole(accountId: string, roleName: string): RoleRecord | undefined {
    return this.accounts[accountId]?.roles[roleName.toLowerCase()];
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
    return Object.values(this.accounts[accountId]?.roles ?? {}).sort((a, b) => a.roleName.localeCompare(b.roleName));
  }

  createRole(accountId: string, input: CreateRoleInput): RoleRecord {
    checkName(input.roleName, 'roleName', 64);
    const path = input.path ?? '/';
    checkPath(path, 'path');
    checkDescription(input.description);
    const maxSessionDuration = input.maxSessionDuration ?? 3600;
    if (!Number.isInteger(maxSessionDuration) || maxSessionDuration < 3600 || maxSessionDuration > 43200) {
      throw constraint(String(input.maxSessionDuration), 'maxSessionDuration', 'Member must have value between 3600 and 43200');
    }
    const tags = input.tags ?? [];
    checkNewTags(tags);
    checkTrustPolicy(input.trustPolicy);
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
      assumableAt: input.propagated ? now : this.propagatedAt(now),
    };
    account.roles[input.roleName.toLowerCase()] = role;
    this.roleChanged(role);
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
    this.changes.delete(recordKeys.role(role));
  }

  updateAssumeRolePolicy(accountId: string, roleName: string, text: string): void {
    const role = this.requireRole(accountId, roleName);
    checkTrustPolicy(text);
    role.trustPolicy = text;
    // A changed trust policy propagates like a new role: until then, AssumeRole sees "not authorized".
    role.assumableAt = this.propagatedAt(this.now());
    this.roleChanged(role);
  }

  tagRole(accountId: string, roleName: string, tags: Tag[]): void {
    const role = this.requireRole(accountId, roleName);
    role.tags = mergeTags(role.tags, tags);
    this.roleChanged(role);
  }

  untagRole(accountId: string, roleName: string, keys: string[]): void {
    const role = this.requireRole(accountId, roleName);
    role.tags = role.tags.filter((t) => !keys.includes(t.Key));
    this.roleChanged(role);
  }

  putRolePolicy(accountId: string, roleName: string, policyName: string, text: string): void {
    checkName(policyName, 'policyName', 128);
    const role = this.requireRole(accountId, roleName);
    checkInlinePolicy(role, policyName, text);
    role.inlinePolicies[policyName] = text;
    this.roleChanged(role);
  }

  getRolePolicy(accountId: string, roleName: string, policyName: string): string {
    const role = this.requireRole(accountId, roleName);
    const text = role.inlinePolicies[policyName];
    if (text === undefined) throw noSuchEntity(`The role policy with name ${policyName} cannot be found.`);
    return text;
  }

  deleteRolePolicy(accountId: string, roleName: string, policyName: string): void {
    this.getRolePolicy(accountId, roleName, policyName);
    const role = this.requireRole(accountId, roleName);
    delete role.inlinePolicies[policyName];
    this.roleChanged(role);
  }

  /** A local policy of this account or an AWS managed one; other accounts' policies are invisible. */
  resolvePolicy(accountId: string, arn: string): ResolvedPolicy | undefined {
    const aws = findAwsManagedPolicy(arn);
    if (aws !== undefined) return { kind: 'aws', arn, policy: aws };
    const record = this.accounts[accountId]?.policies[arn];
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
    this.roleChanged(role);
    const local = this.resolvePolicy(accountId, policyArn);
    if (local?.kind === 'local') {
      local.record.updateDate = this.now();
      this.policyChanged(local.record);
    }
  }

  detachRolePolicy(accountId: string, roleName: string, policyArn: string): void {
    const role = this.requireRole(accountId, roleName);
    if (!role.attachedPolicyArns.includes(policyArn)) throw noSuchEntity(`Policy ${policyArn} was not found.`);
    role.attachedPolicyArns = role.attachedPolicyArns.filter((arn) => arn !== policyArn);
    this.roleChanged(role);
  }

  attachmentCount(accountId: string, policyArn: string): number {
    return this.roles(accountId).filter((role) => role.attachedPolicyArns.includes(policyArn)).length;
  }

  policies(accountId: string): ManagedPolicyRecord[] {
    return Object.values(this.accounts[accountId]?.policies ?? {}).sort((a, b) => a.policyName.localeCompare(b.policyName));
  }

  createPolicy(accountId: string, input: CreatePolicyInput): ManagedPolicyRecord {
    checkName(input.policyName, 'policyName', 128);
    const path = input.path ?? '/';
    checkPath(path, 'path');
    checkDescription(input.description);
    const tags = input.tags ?? [];
    checkNewTags(tags);
    checkManagedDocument(input.document);
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
    this.policyChanged(record);
    return record;
  }

  createPolicyVersion(accountId: string, arn: string, text: string, setAsDefault: boolean): PolicyVersionRecord {
    const record = this.requireLocalPolicy(accountId, arn);
    checkManagedDocument(text);
    const version = addVersion(record, text, setAsDefault, this.now());
    this.policyChanged(record);
    return version;
  }

  setDefaultPolicyVersion(accountId: string, arn: string, versionId: string): void {
    const record = this.requireLocalPolicy(accountId, arn);
    setDefaultVersion(record, versionId, this.now());
    this.policyChanged(record);
  }

  deletePolicyVersion(accountId: string, arn: string, versionId: string): void {
    const record = this.requireLocalPolicy(accountId, arn);
    deleteVersion(record, versionId);
    this.policyChanged(record);
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
    this.changes.delete(recordKeys.policy(record));
  }

  tagPolicy(accountId: string, arn: string, tags: Tag[]): void {
    const record = this.requireLocalPolicy(accountId, arn);
    record.tags = mergeTags(record.tags, tags);
    this.policyChanged(record);
  }

  untagPolicy(accountId: string, arn: string, keys: string[]): void {
    const record = this.requireLocalPolicy(accountId, arn);
    record.tags = record.tags.filter((t) => !keys.includes(t.Key));
    this.policyChanged(record);
  }

  /** The default version's document of a policy, local or AWS managed. */
  policyDocument(policy: ResolvedPolicy): PolicyDocument {
    return policy.kind === 'aws' ? policy.policy.document : defaultDocument(policy.record);
  }

  /** A role's or user's identity-based policies: inline ones and the default versions of attached managed ones. */
  identityPolicies(holder: PolicyHolder): PolicyDocument[] {
    const documents: PolicyDocument[] = Object.values(holder.inlinePolicies).map((text) => JSON.parse(text) as PolicyDocument);
    for (const arn of holder.attachedPolicyArns) {
      const policy = this.resolvePolicy(holder.accountId, arn);
      if (policy !== undefined) documents.push(this.policyDocument(policy));
    }
    return documents;
  }
}
