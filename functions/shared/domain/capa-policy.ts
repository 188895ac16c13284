// CAPA's minimal policy, reproduced from the manual procedure, and the managed policies it becomes.
import capaMinimalPolicy from './policies/capa-minimal-policy.json' with { type: 'json' };
import { policyVersionOf, splitPolicyDocument, type PolicyDocument } from './policy-documents.js';

export const CAPA_MINIMAL_POLICY = capaMinimalPolicy as PolicyDocument;

/** The managed policy documents a provider role gets, in attachment order. */
export const CAPA_POLICY_PARTS: readonly PolicyDocument[] = splitPolicyDocument(CAPA_MINIMAL_POLICY);

/** Recorded on each provider and tagged on each policy, so an upgrade can find stale roles. */
export const CAPA_POLICY_VERSION = policyVersionOf(CAPA_MINIMAL_POLICY);

/** Managed policy names are derived from the role name, so a retry or a compensation finds them again. */
export function capaPolicyName(roleName: string, partIndex: number): string {
  return `${roleName}-capa-${partIndex + 1}`;
}
