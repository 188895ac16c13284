// Plain views of roles and policies for the control plane and tests (parsed documents, ISO dates).
import { isoTime } from '../core/query.js';
import type { PolicyDocument } from '../core/types.js';
import type { IamModel } from './model.js';
import type { ManagedPolicyRecord, RoleRecord, Tag } from './state.js';

export interface RoleView {
  accountId: string;
  roleName: string;
  roleId: string;
  arn: string;
  path: string;
  createDate: string;
  description?: string;
  maxSessionDuration: number;
  tags: Tag[];
  assumeRolePolicyDocument: PolicyDocument;
  inlinePolicies: Record<string, PolicyDocument>;
  attachedPolicyArns: string[];
  /** When IAM propagation lets the role be assumed (ISO-8601). */
  assumableAt: string;
}

export interface PolicyView {
  accountId: string;
  policyName: string;
  policyId: string;
  arn: string;
  path: string;
  description?: string;
  defaultVersionId: string;
  attachmentCount: number;
  document: PolicyDocument;
  versions: Array<{ versionId: string; isDefaultVersion: boolean; document: PolicyDocument }>;
  tags: Tag[];
}

export function roleView(role: RoleRecord): RoleView {
  return {
    accountId: role.accountId,
    roleName: role.roleName,
    roleId: role.roleId,
    arn: role.arn,
    path: role.path,
    createDate: isoTime(role.createDate),
    ...(role.description !== undefined ? { description: role.description } : {}),
    maxSessionDuration: role.maxSessionDuration,
    tags: role.tags.map((t) => ({ ...t })),
    assumeRolePolicyDocument: JSON.parse(role.trustPolicy) as PolicyDocument,
    inlinePolicies: Object.fromEntries(Object.entries(role.inlinePolicies).map(([name, text]) => [name, JSON.parse(text) as PolicyDocument])),
    attachedPolicyArns: [...role.attachedPolicyArns],
    assumableAt: new Date(role.assumableAt).toISOString(),
  };
}

export function policyView(model: IamModel, record: ManagedPolicyRecord): PolicyView {
  return {
    accountId: record.accountId,
    policyName: record.policyName,
    policyId: record.policyId,
    arn: record.arn,
    path: record.path,
    ...(record.description !== undefined ? { description: record.description } : {}),
    defaultVersionId: record.defaultVersionId,
    attachmentCount: model.attachmentCount(record.accountId, record.arn),
    document: model.policyDocument({ kind: 'local', arn: record.arn, record }),
    versions: record.versions.map((v) => ({
      versionId: v.versionId,
      isDefaultVersion: v.versionId === record.defaultVersionId,
      document: JSON.parse(v.document) as PolicyDocument,
    })),
    tags: record.tags.map((t) => ({ ...t })),
  };
}
