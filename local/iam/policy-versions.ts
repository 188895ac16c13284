// The versions of a customer managed policy: at most five, exactly one default (the document that
// is evaluated), and the default version is never deleted on its own.
import { AwsServiceError, type PolicyDocument } from '../core/types.js';
import type { ManagedPolicyRecord, PolicyVersionRecord } from './state.js';
import { MAX_POLICY_VERSIONS, limitExceeded, noSuchEntity } from './validation.js';

function requireVersion(record: ManagedPolicyRecord, versionId: string): PolicyVersionRecord {
  const version = record.versions.find((v) => v.versionId === versionId);
  if (version === undefined) throw noSuchEntity(`Policy ${record.arn} version ${versionId} does not exist or is not attachable.`);
  return version;
}

export function addVersion(record: ManagedPolicyRecord, document: string, setAsDefault: boolean, now: number): PolicyVersionRecord {
  if (record.versions.length >= MAX_POLICY_VERSIONS) {
    throw limitExceeded(
      `A managed policy can have up to ${MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
    );
  }
  const version: PolicyVersionRecord = { versionId: `v${record.nextVersion}`, document, createDate: now };
  record.nextVersion += 1;
  record.versions.push(version);
  record.updateDate = now;
  if (setAsDefault) record.defaultVersionId = version.versionId;
  return version;
}

export function setDefaultVersion(record: ManagedPolicyRecord, versionId: string, now: number): void {
  requireVersion(record, versionId);
  record.defaultVersionId = versionId;
  record.updateDate = now;
}

export function deleteVersion(record: ManagedPolicyRecord, versionId: string): void {
  requireVersion(record, versionId);
  if (record.defaultVersionId === versionId) {
    throw new AwsServiceError('DeleteConflict', 'Cannot delete the default version of a policy.', 409);
  }
  record.versions = record.versions.filter((v) => v.versionId !== versionId);
}

/** The document in force: the default version's. */
export function defaultDocument(record: ManagedPolicyRecord): PolicyDocument {
  const version = record.versions.find((v) => v.versionId === record.defaultVersionId);
  return JSON.parse(version?.document ?? '{"Statement":[]}') as PolicyDocument;
}
