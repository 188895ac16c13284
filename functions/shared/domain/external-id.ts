// External IDs: generated when the caller has none, validated when supplied, never logged. Not even
// a hash: a supplied ID can be guessable, and an unkeyed hash in a log would confirm a guess offline.
// Logs carry externalIdSource (supplied or generated) instead.
import { randomBytes } from 'node:crypto';

/** IAM's rule for sts:ExternalId: 2-1224 characters of [\w+=,.@:/-]. */
export const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{2,1224}$/;

/** 32 bytes of CSPRNG output as base64url: 43 characters, all within IAM's alphabet. */
export function generateExternalId(): string {
  return randomBytes(32).toString('base64url');
}

export function isValidExternalId(value: string): boolean {
  return EXTERNAL_ID_PATTERN.test(value);
}
