// IAM's input rules and quotas: name, path and tag constraints with AWS's validation messages,
// the per-role and per-policy limits, and the errors IAM answers with.
import { randomInt } from 'node:crypto';
import { AwsServiceError, type PolicyDocument } from '../core/types.js';
import { LIMITS, parsePolicyDocument, policySize } from './policy-document.js';
import type { RoleRecord, Tag } from './state.js';

export const MAX_MANAGED_POLICIES_PER_ROLE = 10;
export const MAX_POLICY_VERSIONS = 5;
export const MAX_TAGS = 50;
const NAME_PATTERN = /^[\w+=,.@-]+$/;
const PATH_PATTERN = /^(\/|\/[\x21-\x7E]+\/)$/;
const TAG_KEY_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** An IAM unique id or access key id: a type prefix (AROA, ANPA, ASIA) and base32 characters. */
export function randomId(prefix: string, length = 17): string {
  let out = prefix;
  for (let i = 0; i < length; i += 1) out += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return out;
}

export function validationError(message: string): AwsServiceError {
  return new AwsServiceError('ValidationError', message, 400);
}

export function constraint(value: string, field: string, rule: string): AwsServiceError {
  return validationError(`1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${rule}`);
}

export function noSuchEntity(message: string): AwsServiceError {
  return new AwsServiceError('NoSuchEntity', message, 404);
}

export function limitExceeded(message: string): AwsServiceError {
  return new AwsServiceError('LimitExceeded', message, 409);
}

export function checkName(value: string, field: string, max: number): void {
  if (value.length < 1 || value.length > max) throw constraint(value, field, `Member must have length less than or equal to ${max}`);
  if (!NAME_PATTERN.test(value)) throw constraint(value, field, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
}

export function checkPath(value: string, field: string): void {
  if (value.length > 512) throw constraint(value, field, 'Member must have length less than or equal to 512');
  if (!PATH_PATTERN.test(value)) {
    throw constraint(value, field, 'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)');
  }
}

export function checkDescription(description: string | undefined): void {
  if (description !== undefined && description.length > 1000) {
    throw constraint(description, 'description', 'Member must have length less than or equal to 1000');
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

/** The tags a new role or policy is created with: valid, and within the quota. */
export function checkNewTags(tags: Tag[]): void {
  checkTags(tags);
  if (tags.length > MAX_TAGS) throw limitExceeded(`The number of tags has reached the maximum limit of ${MAX_TAGS}.`);
}

/** Tags merged as TagRole/TagPolicy do: same key replaces the value. */
export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
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

export function checkTrustPolicy(text: string): PolicyDocument {
  const document = parsePolicyDocument(text, 'trust');
  if (policySize(text) > LIMITS.trustPolicyChars) {
    throw limitExceeded(`Cannot exceed quota for ACLSizePerRole: ${LIMITS.trustPolicyChars}`);
  }
  return document;
}

export function checkManagedDocument(text: string): void {
  parsePolicyDocument(text, 'identity');
  if (policySize(text) > LIMITS.managedPolicyChars) {
    throw limitExceeded(`Cannot exceed quota for PolicySize: ${LIMITS.managedPolicyChars}`);
  }
}

/** A role's inline policies share one size quota: the new document plus all the others. */
export function checkInlinePolicy(role: RoleRecord, policyName: string, text: string): void {
  parsePolicyDocument(text, 'identity');
  const others = Object.entries(role.inlinePolicies)
    .filter(([name]) => name !== policyName)
    .reduce((sum, [, doc]) => sum + policySize(doc), 0);
  if (others + policySize(text) > LIMITS.inlinePolicyCharsPerRole) {
    throw limitExceeded(`Maximum policy size of ${LIMITS.inlinePolicyCharsPerRole} bytes exceeded for role ${role.roleName}`);
  }
}
