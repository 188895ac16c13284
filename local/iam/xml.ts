// IAM's response shapes: role and policy elements, tags, URL-encoded documents, and IAM's
// MaxItems/Marker pagination.
import { optionalInteger, optionalString, isoTime, membersXml, type QueryParams } from '../core/query.js';
import { xmlElement } from '../core/protocol.js';
import { AwsServiceError } from '../core/types.js';
import type { ResolvedPolicy } from './model.js';
import type { PolicyVersionRecord, RoleRecord, Tag } from './state.js';

export interface Page<T> {
  items: T[];
  isTruncated: boolean;
  marker?: string;
}

/** IAM pagination: MaxItems (1-1000, default 100) and an opaque Marker. */
export function paginate<T>(items: T[], params: QueryParams): Page<T> {
  const maxItems = optionalInteger(params, 'MaxItems') ?? 100;
  if (maxItems < 1 || maxItems > 1000) {
    throw new AwsServiceError('ValidationError', `1 validation error detected: Value '${maxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`, 400);
  }
  const marker = optionalString(params, 'Marker');
  let start = 0;
  if (marker !== undefined) {
    start = Number(Buffer.from(marker, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw new AwsServiceError('ValidationError', 'Invalid Marker.', 400);
  }
  const page = items.slice(start, start + maxItems);
  const next = start + page.length;
  return next < items.length
    ? { items: page, isTruncated: true, marker: Buffer.from(String(next), 'utf8').toString('base64url') }
    : { items: page, isTruncated: false };
}

export function pageXml(page: Page<unknown>): string {
  return xmlElement('IsTruncated', page.isTruncated) + xmlElement('Marker', page.marker);
}

export function tagsXml(tags: Tag[]): string {
  return membersXml('Tags', tags.map((t) => xmlElement('Key', t.Key) + xmlElement('Value', t.Value)));
}

/** Policy documents travel URL-encoded in IAM responses (the SDK leaves decoding to the caller). */
export function encodeDocument(text: string): string {
  return encodeURIComponent(text);
}

export function roleFields(role: RoleRecord, withTags: boolean): string {
  return (
    xmlElement('Path', role.path) +
    xmlElement('RoleName', role.roleName) +
    xmlElement('RoleId', role.roleId) +
    xmlElement('Arn', role.arn) +
    xmlElement('CreateDate', isoTime(role.createDate)) +
    xmlElement('AssumeRolePolicyDocument', encodeDocument(role.trustPolicy)) +
    xmlElement('Description', role.description) +
    xmlElement('MaxSessionDuration', role.maxSessionDuration) +
    (withTags && role.tags.length > 0 ? tagsXml(role.tags) : '')
  );
}

export function roleXml(role: RoleRecord, withTags: boolean): string {
  return `<Role>${roleFields(role, withTags)}</Role>`;
}

interface PolicySummary {
  name: string;
  id: string;
  path: string;
  defaultVersionId: string;
  description: string | undefined;
  created: string;
  updated: string;
  tags: Tag[];
}

function summaryOf(policy: ResolvedPolicy): PolicySummary {
  if (policy.kind === 'aws') {
    const p = policy.policy;
    return { name: p.name, id: p.policyId, path: p.path, defaultVersionId: p.versionId, description: p.description, created: p.createDate, updated: p.updateDate, tags: [] };
  }
  const r = policy.record;
  return {
    name: r.policyName,
    id: r.policyId,
    path: r.path,
    defaultVersionId: r.defaultVersionId,
    description: r.description,
    created: isoTime(r.createDate),
    updated: isoTime(r.updateDate),
    tags: r.tags,
  };
}

/**
 * A policy's fields. Like AWS, ListPolicies (`detailed` false) leaves the description and tags
 * out; GetPolicy/CreatePolicy include them.
 */
export function policyFields(policy: ResolvedPolicy, attachmentCount: number, detailed: boolean): string {
  const summary = summaryOf(policy);
  return (
    xmlElement('PolicyName', summary.name) +
    xmlElement('PolicyId', summary.id) +
    xmlElement('Arn', policy.arn) +
    xmlElement('Path', summary.path) +
    xmlElement('DefaultVersionId', summary.defaultVersionId) +
    xmlElement('AttachmentCount', attachmentCount) +
    xmlElement('PermissionsBoundaryUsageCount', 0) +
    xmlElement('IsAttachable', true) +
    xmlElement('Description', detailed ? summary.description : undefined) +
    xmlElement('CreateDate', summary.created) +
    xmlElement('UpdateDate', summary.updated) +
    (detailed && summary.tags.length > 0 ? tagsXml(summary.tags) : '')
  );
}

export interface VersionView {
  versionId: string;
  isDefault: boolean;
  createDate: string;
  /** The document text, sent by GetPolicyVersion only. */
  document?: string;
}

/** A policy's versions, newest first as ListPolicyVersions orders them. */
export function versionsOf(policy: ResolvedPolicy): VersionView[] {
  if (policy.kind === 'aws') {
    const p = policy.policy;
    return [{ versionId: p.versionId, isDefault: true, createDate: p.createDate, document: JSON.stringify(p.document) }];
  }
  return [...policy.record.versions].reverse().map((version) => versionView(policy.record, version));
}

export function versionView(record: { defaultVersionId: string }, version: PolicyVersionRecord): VersionView {
  return { versionId: version.versionId, isDefault: version.versionId === record.defaultVersionId, createDate: isoTime(version.createDate), document: version.document };
}

/** Document (when `withDocument`), VersionId, IsDefaultVersion, CreateDate. */
export function versionFields(version: VersionView, withDocument: boolean): string {
  return (
    xmlElement('Document', withDocument && version.document !== undefined ? encodeDocument(version.document) : undefined) +
    xmlElement('VersionId', version.versionId) +
    xmlElement('IsDefaultVersion', version.isDefault) +
    xmlElement('CreateDate', version.createDate)
  );
}
