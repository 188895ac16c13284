// CAPA's minimal policy, reproduced from the manual procedure, and the managed policies it becomes.
// `#capa-policy` is the shipped document (package.json "imports"); a deployment may bundle another
// in its place (CDK context `capaPolicyFile`, lib/policy-config.ts), so every function of one
// deployment carries the same document and the same version.
import capaMinimalPolicy from '#capa-policy' with { type: 'json' };
import { policyVersionOf, splitPolicyDocument, type PolicyDocument } from './policy-documents.js';

/** A CAPA policy as providers receive it: the document, its managed-policy parts, and its version. */
export interface CapaPolicy {
  readonly document: PolicyDocument;
  /** The managed policy documents a provider role gets, in attachment order. */
  readonly parts: readonly PolicyDocument[];
  /** Recorded on each provider and tagged on each policy, so an upgrade can find stale roles. */
  readonly version: string;
}

export function capaPolicyOf(document: PolicyDocument): CapaPolicy {
  return { document, parts: splitPolicyDocument(document), version: policyVersionOf(document) };
}

/** The policy this deployment ships: what onboarding attaches and a rollout moves every provider to. */
export const SHIPPED_CAPA_POLICY: CapaPolicy = capaPolicyOf(capaMinimalPolicy as PolicyDocument);

export const CAPA_MINIMAL_POLICY = SHIPPED_CAPA_POLICY.document;

export const CAPA_POLICY_PARTS: readonly PolicyDocument[] = SHIPPED_CAPA_POLICY.parts;

export const CAPA_POLICY_VERSION = SHIPPED_CAPA_POLICY.version;

/** Managed policy names are derived from the role name, so a retry or a compensation finds them again. */
export function capaPolicyName(roleName: string, partIndex: number): string {
  return `${roleName}-capa-${partIndex + 1}`;
}

/** The part index a name of capaPolicyName stands for, or undefined for any other name. */
export function capaPolicyPartIndex(roleName: string, policyName: string): number | undefined {
  const prefix = `${roleName}-capa-`;
  if (!policyName.startsWith(prefix)) return undefined;
  const digits = policyName.slice(prefix.length);
  return /^[1-9]\d?$/.test(digits) ? Number(digits) - 1 : undefined;
}
