// Moving one of our managed policies to a document: a new default version (IAM keeps at most five,
// so the oldest non-default one makes room first) and the version tag that says which CAPA policy
// it carries. Used by onboarding (our own older or drifted policy) and by a policy rollout.
import {
  CreatePolicyVersionCommand,
  DeletePolicyVersionCommand,
  GetPolicyVersionCommand,
  ListPolicyVersionsCommand,
  TagPolicyCommand,
  type IAMClient,
  type Policy,
} from '@aws-sdk/client-iam';
import { samePolicyDocument, type PolicyDocument } from '../domain/policy-documents.js';
import { callAws, isNoSuchEntity } from './aws-errors.js';

/** IAM's quota of versions per customer managed policy. */
export const MAX_POLICY_VERSIONS = 5;

export const TAG_POLICY_VERSION = 'capa-onboarding:policy-version';

/** The document of a managed policy's default version; undefined when the policy or version is gone. */
export async function defaultDocumentOf(iam: IAMClient, arn: string, defaultVersionId: string | undefined): Promise<unknown> {
  if (defaultVersionId === undefined) return undefined;
  try {
    const version = await callAws(`GetPolicyVersion ${arn} ${defaultVersionId}`, () =>
      iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: defaultVersionId })),
    );
    const text = version.PolicyVersion?.Document;
    return text === undefined ? undefined : JSON.parse(decodeURIComponent(text));
  } catch (error) {
    if (isNoSuchEntity(error)) return undefined;
    throw error;
  }
}

function versionNumber(versionId: string | undefined): number {
  return Number(versionId?.replace(/^v/, '') ?? Number.NaN);
}

/** Creates `document` as the new default version, deleting the oldest non-default version first when all five are taken. */
export async function putDefaultVersion(iam: IAMClient, arn: string, document: PolicyDocument): Promise<void> {
  const versions = (await callAws(`ListPolicyVersions ${arn}`, () => iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn })))).Versions ?? [];
  if (versions.length >= MAX_POLICY_VERSIONS) {
    // IAM numbers versions v1, v2, ... in creation order; CreateDate has whole seconds, so ties happen.
    const oldest = versions
      .filter((version) => !version.IsDefaultVersion && version.VersionId)
      .sort((a, b) => versionNumber(a.VersionId) - versionNumber(b.VersionId))[0];
    if (oldest?.VersionId) {
      const versionId = oldest.VersionId;
      await callAws(`DeletePolicyVersion ${arn} ${versionId}`, () =>
        iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: versionId })),
      ).catch((error: unknown) => {
        // A retry after the delete went through: the room is there.
        if (!isNoSuchEntity(error)) throw error;
      });
    }
  }
  await callAws(`CreatePolicyVersion ${arn}`, () =>
    iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: JSON.stringify(document), SetAsDefault: true })),
  );
}

/**
 * Makes an existing policy of ours carry `document` (a new default version, only when the default
 * differs) and say `version` (its version tag). Returns whether anything was written.
 */
export async function bringPolicyTo(iam: IAMClient, policy: Policy & { Arn: string }, document: PolicyDocument, version: string): Promise<boolean> {
  const arn = policy.Arn;
  let wrote = false;
  const current = await defaultDocumentOf(iam, arn, policy.DefaultVersionId);
  // Without a default version to compare (IAM always names one), nothing is known to be wrong.
  if (current !== undefined && !samePolicyDocument(current, document)) {
    await putDefaultVersion(iam, arn, document);
    wrote = true;
  }
  if (policy.Tags?.find((tag) => tag.Key === TAG_POLICY_VERSION)?.Value !== version) {
    await callAws(`TagPolicy ${arn}`, () => iam.send(new TagPolicyCommand({ PolicyArn: arn, Tags: [{ Key: TAG_POLICY_VERSION, Value: version }] })));
    wrote = true;
  }
  return wrote;
}
