// AssumeRole's input rules, with STS's validation messages: role ARN, session name, External ID,
// duration (one hour at most for role chaining, never over the role's maximum), session policy size.
import { AwsServiceError, type PolicyDocument } from '../core/types.js';
import { LIMITS, parsePolicyDocument, policySize } from '../iam/policy-document.js';
import type { RoleRecord } from '../iam/state.js';
import type { AssumeRoleInput } from './model.js';

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role(\/(?:[\x21-\x7E]*\/)?)([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

function validationError(message: string): AwsServiceError {
  return new AwsServiceError('ValidationError', message, 400);
}

/** The session policy's share of its quota, as PackedPolicySize reports it. */
function packedPercent(policyText: string): number {
  return Math.round((policySize(policyText) / LIMITS.sessionPolicyChars) * 100);
}

/** Checks AssumeRole's parameters; returns the parsed session policy and its packed size, if any. */
export function checkAssumeRoleInput(input: AssumeRoleInput): { sessionPolicy?: PolicyDocument; packedPolicySize?: number } {
  const { roleArn, roleSessionName: sessionName, externalId, durationSeconds } = input;
  if (!ROLE_ARN.test(roleArn)) throw validationError(`${roleArn} is invalid`);
  if (sessionName.length < 2 || sessionName.length > 64) {
    throw validationError(`1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64`);
  }
  if (!SESSION_NAME.test(sessionName)) {
    throw validationError(`1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
  }
  if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
    throw validationError(`1 validation error detected: Value '${externalId}' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:/-]*`);
  }
  if (durationSeconds < 900 || durationSeconds > 43200) {
    throw validationError(`1 validation error detected: Value '${durationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`);
  }
  if (input.policy === undefined) return {};
  const sessionPolicy = parsePolicyDocument(input.policy, 'session');
  if (policySize(input.policy) > LIMITS.sessionPolicyChars) {
    throw new AwsServiceError('PackedPolicyTooLarge', `Packed policy consumes ${packedPercent(input.policy)}% of allotted space, please use smaller policy.`, 400);
  }
  return { sessionPolicy, packedPolicySize: packedPercent(input.policy) };
}

/** Role chaining caps the session at one hour, whatever the role allows. */
export function checkSessionDuration(durationSeconds: number, role: RoleRecord, chained: boolean): void {
  if (chained && durationSeconds > 3600) {
    throw validationError('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  if (durationSeconds > role.maxSessionDuration) {
    throw validationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
}
