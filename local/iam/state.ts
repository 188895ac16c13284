// The IAM state of each account: plain JSON, so snapshot/restore is a copy.
import type { QueryTag } from '../core/query.js';

export type Tag = QueryTag;

export interface RoleRecord {
  accountId: string;
  roleName: string;
  roleId: string;
  path: string;
  arn: string;
  /** epoch ms */
  createDate: number;
  /** The trust policy text as the caller sent it (IAM returns it URL-encoded). */
  trustPolicy: string;
  description?: string;
  maxSessionDuration: number;
  tags: Tag[];
  /** Inline policies by name, in creation order. */
  inlinePolicies: Record<string, string>;
  attachedPolicyArns: string[];
  /** IAM propagation: before this instant (epoch ms) the role cannot be assumed. */
  assumableAt: number;
}

export interface PolicyVersionRecord {
  versionId: string;
  document: string;
  createDate: number;
}

export interface ManagedPolicyRecord {
  accountId: string;
  policyName: string;
  policyId: string;
  path: string;
  arn: string;
  description?: string;
  createDate: number;
  updateDate: number;
  defaultVersionId: string;
  versions: PolicyVersionRecord[];
  nextVersion: number;
  tags: Tag[];
}

export interface AccountIamState {
  /** Keyed by lower-cased role name: IAM role names are unique regardless of case. */
  roles: Record<string, RoleRecord>;
  /** Keyed by policy ARN. */
  policies: Record<string, ManagedPolicyRecord>;
}

/** IAM's slice of the persisted state: each account's roles and customer managed policies. */
export type IamAccounts = Record<string, AccountIamState>;
