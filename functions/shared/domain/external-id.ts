// External IDs: generated when the caller has none, validated when supplied, never logged in clear.
import { createHash, randomBytes } from 'node:crypto';

/** IAM's rule for sts:ExternalId: 2-1224 characters of [\w+=,.@:/-]. */
export const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{2,1224}$/;

/** 32 bytes of CSPRNG output as base64url: 43 characters, all within IAM's alphabet. */
export function generateExternalId(): string {
  return randomBytes(32).toString('base64url');
}

export function isValidExternalId(value: string): boolean {
  return EXTERNAL_ID_PATTERN.test(value);
}

/** What logs carry instead of the External ID: enough to correlate, useless to an attacker. */
export function externalIdFingerprint(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 12)}`;
}
