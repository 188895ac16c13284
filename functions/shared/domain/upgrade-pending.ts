// A provider whose recorded policyVersion is not the one this deployment ships is "upgrade pending":
// a rollout will move it, and until then its role is judged against the version it records, not
// against the new document (which every such provider would fail right after the deployment).
// Pure: the adapter reads the recorded parts, this decides.
import { failed, passed, type VerificationCheck } from './drift.js';
import { policyVersionOf, type PolicyStatement } from './policy-documents.js';

/** One managed policy the provider's record lists, as IAM shows it now. */
export interface RecordedPart {
  arn: string;
  exists: boolean;
  attached: boolean;
  /** The policy's capa-onboarding:policy-version tag. */
  versionTag: string | undefined;
  /** The default version's document (undefined when the policy is gone). */
  defaultDocument: unknown;
}

/** Whether the provider records another CAPA policy version than `deployedVersion` (none recorded: judged as today). */
export function isUpgradePending(recordedVersion: string | undefined, deployedVersion: string): recordedVersion is string {
  return recordedVersion !== undefined && recordedVersion !== deployedVersion;
}

function statementsOf(document: unknown): PolicyStatement[] | undefined {
  const statements = (document as { Statement?: unknown } | undefined)?.Statement;
  return Array.isArray(statements) ? (statements as PolicyStatement[]) : undefined;
}

/**
 * The version the parts' default documents add up to: their statements in part order, as the split
 * took them from the policy file. Equal to the recorded version only when no part was edited (and
 * the file was `{"Version", "Statement"}` with no statement over one part's size, as CAPA's is).
 */
export function reassembledVersionOf(parts: readonly RecordedPart[]): string | undefined {
  const statements = parts.map((part) => statementsOf(part.defaultDocument));
  if (statements.some((list) => list === undefined)) return undefined;
  return policyVersionOf({ Version: '2012-10-17', Statement: statements.flatMap((list) => list!) });
}

/**
 * The two CAPA policy checks of an upgrade-pending provider. `deployedChecks` are the checks against
 * the deployed policy: all passing means the upgrade was applied and only its record is missing.
 * Otherwise the recorded parts must exist, be attached, carry the recorded version's tag, and their
 * default documents must add up to the recorded version (a hand edit changes that sum: POLICY_DRIFTED).
 */
export function upgradePendingChecks(
  deployedChecks: readonly VerificationCheck[],
  parts: readonly RecordedPart[],
  recordedVersion: string,
  deployedVersion: string,
): VerificationCheck[] {
  const pending = `policy upgrade to ${deployedVersion} pending (provider on ${recordedVersion})`;
  if (deployedChecks.length > 0 && deployedChecks.every((check) => check.passed)) {
    const applied = `the role already carries ${deployedVersion}; the registry still records ${recordedVersion} until the upgrade is recorded`;
    return deployedChecks.map((check) => ({ ...check, detail: `${check.detail} (${applied})` }));
  }
  const detached = parts.filter((part) => !part.exists || !part.attached).map((part) => part.arn);
  const mistagged = parts
    .filter((part) => part.exists && part.versionTag !== recordedVersion)
    .map((part) => `${part.arn} is tagged ${part.versionTag ?? 'with no version'}`);
  const reassembled = detached.length === 0 && parts.length > 0 ? reassembledVersionOf(parts) : undefined;
  const edited = reassembled !== undefined && reassembled !== recordedVersion;
  const drift = [
    ...mistagged,
    ...(edited ? [`the default versions of ${parts.map((part) => part.arn).join(', ')} add up to ${reassembled}, not ${recordedVersion}`] : []),
  ];
  return [
    parts.length === 0
      ? failed('capa-policies-attached', 'POLICY_DETACHED', `the provider records no CAPA policy of ${recordedVersion}; ${pending}`)
      : detached.length === 0
        ? passed('capa-policies-attached', `${parts.length} CAPA policy(ies) of ${recordedVersion} attached; ${pending}`)
        : failed('capa-policies-attached', 'POLICY_DETACHED', `not attached or missing: ${detached.join(', ')}; ${pending}`),
    drift.length === 0
      ? passed('capa-policies-current', `${pending}: each CAPA policy carries ${recordedVersion} as recorded`)
      : failed('capa-policies-current', 'POLICY_DRIFTED', `${drift.join('; ')}; ${pending}`),
  ];
}
