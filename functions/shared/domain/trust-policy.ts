// The created role's trust policy: the management principal bound to the External ID, and EC2 apart.
import { samePolicyDocument, type PolicyDocument, type PolicyStatement } from './policy-documents.js';

export interface TrustPolicyInput {
  /** e.g. arn:aws:iam::<managementAccountId>:root */
  managementPrincipalArn: string;
  externalId?: string;
  /** During a rotation's grace period the trust accepts this ID too (one condition, two values). */
  previousExternalId?: string;
  /** The seed's ec2.amazonaws.com principal (instance profiles of CAPA-built nodes). */
  trustEc2: boolean;
}

/**
 * The seed puts EC2 and the management account in one statement; with an External ID condition
 * that would break EC2 (it never sends one), so each gets its own statement.
 */
export function buildTrustPolicy(input: TrustPolicyInput): PolicyDocument {
  const management: PolicyStatement = {
    Sid: 'ManagementAccountAssumeRole',
    Effect: 'Allow',
    Principal: { AWS: input.managementPrincipalArn },
    Action: 'sts:AssumeRole',
    ...(input.externalId ? { Condition: { StringEquals: { 'sts:ExternalId': externalIdCondition(input) } } } : {}),
  };
  const statements: PolicyStatement[] = [management];
  if (input.trustEc2) {
    statements.push({
      Sid: 'Ec2AssumeRole',
      Effect: 'Allow',
      Principal: { Service: 'ec2.amazonaws.com' },
      Action: 'sts:AssumeRole',
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}

function externalIdCondition(input: TrustPolicyInput): string | string[] {
  return input.previousExternalId ? [input.externalId!, input.previousExternalId] : input.externalId!;
}

/** Compares trust policies by meaning, not by key order or single-vs-list spelling. */
export const sameTrustPolicy = samePolicyDocument;
