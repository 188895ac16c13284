// The persisted state of the IAM/STS/Organizations emulator: plain JSON, so snapshot/restore is a copy.
import type { PolicyDocument } from '../core/types.js';

export interface Tag {
  Key: string;
  Value: string;
}

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

export interface SessionRecord {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  roleArn: string;
  roleName: string;
  roleId: string;
  sessionName: string;
  sessionPolicy?: PolicyDocument;
  /** epoch ms; absent for service sessions (a function's role credentials), which do not expire locally. */
  expiresAt?: number;
}

export interface OrgAccountRecord {
  id: string;
  name: string;
  email: string;
  joinedMethod: 'INVITED' | 'CREATED';
  joinedTimestamp: number;
  status: 'ACTIVE';
}

export interface CreateAccountStatusRecord {
  id: string;
  accountName: string;
  state: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  requestedTimestamp: number;
  completedTimestamp?: number;
  accountId?: string;
  failureReason?: string;
}

export interface LocalIamState {
  version: 1;
  accounts: Record<string, AccountIamState>;
  sessions: Record<string, SessionRecord>;
  organization: {
    id: string;
    rootId: string;
    accounts: OrgAccountRecord[];
    createAccountStatuses: CreateAccountStatusRecord[];
  };
}
