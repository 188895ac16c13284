// Re-verification of a provider: the checks it must pass, the drift reason each failure means,
// and what the provider becomes. Pure: the adapters gather the facts, this decides.
import { samePolicyDocument, type PolicyDocument, type PolicyStatement } from './policy-documents.js';
import { executionNameOf, type ProviderStatus } from './provider.js';

/**
 * Why a provider is DEGRADED, in the order the provider's reason is chosen when several checks
 * fail: what stops the management cluster from using it first, then what only differs.
 */
export const DRIFT_REASONS = [
  'ROLE_MISSING',
  'NOT_ASSUMABLE',
  'EXTERNAL_ID_NOT_ENFORCED',
  'TRUST_DRIFTED',
  'POLICY_DETACHED',
  'POLICY_DRIFTED',
  'GRANT_MISSING',
] as const;
export type DriftReason = (typeof DRIFT_REASONS)[number];

export const CHECK_NAMES = [
  'role-exists',
  'trust-policy',
  'trust-requires-external-id',
  'capa-policies-attached',
  'capa-policies-current',
  'management-grant',
  'management-role-may-assume',
  'assumable-with-external-id',
  'denied-without-external-id',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** One check as stored on the provider: `reason` is null when it passed, `detail` says what was seen. */
export interface VerificationCheck {
  name: CheckName;
  passed: boolean;
  reason: DriftReason | null;
  detail: string;
}

export function passed(name: CheckName, detail: string): VerificationCheck {
  return { name, passed: true, reason: null, detail };
}

export function failed(name: CheckName, reason: DriftReason, detail: string): VerificationCheck {
  return { name, passed: false, reason, detail };
}

function hasExternalIdCondition(statement: PolicyStatement): boolean {
  const equals = statement.Condition?.StringEquals as Record<string, unknown> | undefined;
  return equals?.['sts:ExternalId'] !== undefined;
}

function isAwsPrincipalAllow(statement: PolicyStatement): boolean {
  const principal = statement.Principal as { AWS?: unknown } | string | undefined;
  return statement.Effect === 'Allow' && (principal === '*' || (typeof principal === 'object' && principal.AWS !== undefined));
}

/**
 * The role's trust policy against the one onboarding writes (two statements, the current External
 * ID): any difference is TRUST_DRIFTED; an AWS principal trusted without an sts:ExternalId
 * condition is EXTERNAL_ID_NOT_ENFORCED (the confused-deputy protection is gone).
 */
export function trustChecks(actual: PolicyDocument, expected: PolicyDocument): VerificationCheck[] {
  const unbound = actual.Statement.filter((statement) => isAwsPrincipalAllow(statement) && !hasExternalIdCondition(statement));
  return [
    samePolicyDocument(actual, expected)
      ? passed('trust-policy', 'the trust policy is the one onboarding wrote, with the current External ID')
      : failed('trust-policy', 'TRUST_DRIFTED', 'the trust policy differs from the one onboarding wrote'),
    unbound.length === 0
      ? passed('trust-requires-external-id', 'every AWS principal the role trusts must send the External ID')
      : failed('trust-requires-external-id', 'EXTERNAL_ID_NOT_ENFORCED', `${unbound.length} trust statement(s) allow AWS principals without an sts:ExternalId condition`),
  ];
}

/** What a check run makes of the provider: READY when all passed, else DEGRADED with the first reason by priority. */
export function verificationOutcome(checks: readonly VerificationCheck[]): {
  status: 'READY' | 'DEGRADED';
  reason?: DriftReason;
  message?: string;
} {
  const failures = checks.filter((check) => !check.passed);
  if (failures.length === 0) return { status: 'READY' };
  const reason = DRIFT_REASONS.find((candidate) => failures.some((check) => check.reason === candidate)) ?? failures[0]!.reason!;
  const message = failures.map((check) => `${check.name}: ${check.detail}`).join('; ');
  return { status: 'DEGRADED', reason, message };
}

/** Statuses a provider can be re-verified in: it has a role that is supposed to work. */
export const VERIFIABLE_STATUSES = ['READY', 'DEGRADED'] as const satisfies readonly ProviderStatus[];

export function isVerifiable(status: ProviderStatus): boolean {
  return (VERIFIABLE_STATUSES as readonly ProviderStatus[]).includes(status);
}

/** The event a verification's status change announces; none when the status stays. */
export function verificationEventOf(previous: ProviderStatus, next: 'READY' | 'DEGRADED'): 'Provider Degraded' | 'Provider Recovered' | undefined {
  if (previous === next) return undefined;
  return next === 'DEGRADED' ? 'Provider Degraded' : 'Provider Recovered';
}

/**
 * A verification's execution name: `<workspace>_<name>_verify-<UTC time to the millisecond>`, so
 * an operator lists a provider's runs by the same prefix as its onboardings, and two requests in
 * the same millisecond land on one execution (StartExecution is idempotent for the same input).
 */
export function verificationExecutionNameOf(workspace: string, name: string, now: Date): string {
  return executionNameOf(workspace, name, `verify-${now.toISOString().replace(/[-:.]/g, '')}`);
}
