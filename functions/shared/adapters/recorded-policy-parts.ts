// The managed policies a provider's record lists, read as IAM shows them now (no writes): what an
// upgrade-pending provider's CAPA policies are checked by (domain/upgrade-pending.ts).
import type { IAMClient } from '@aws-sdk/client-iam';
import type { RecordedPart } from '../domain/upgrade-pending.js';
import { defaultDocumentOf, TAG_POLICY_VERSION } from './policy-versions.js';
import { attachedPolicyArns, findPolicy } from './role-provisioning.js';

/**
 * Each ARN in `recordedArns` (the record's policyArns, in part order): whether it exists and is
 * attached to `roleName`, its version tag, and its default version's document. `roleExists` false
 * skips the attachment listing (IAM would answer NoSuchEntity).
 */
export async function readRecordedParts(iam: IAMClient, roleName: string, roleExists: boolean, recordedArns: readonly string[]): Promise<RecordedPart[]> {
  const attached = roleExists ? await attachedPolicyArns(iam, roleName) : [];
  const parts: RecordedPart[] = [];
  for (const arn of recordedArns) {
    const policy = await findPolicy(iam, arn);
    parts.push({
      arn,
      exists: policy !== undefined,
      attached: attached.includes(arn),
      versionTag: policy?.Tags?.find((tag) => tag.Key === TAG_POLICY_VERSION)?.Value,
      defaultDocument: policy ? await defaultDocumentOf(iam, arn, policy.DefaultVersionId) : undefined,
    });
  }
  return parts;
}
