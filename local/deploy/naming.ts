// How CloudFormation names and identifies resources, computed deterministically: names are derived
// from the stack and logical id, so a restart of the local cloud finds the resources it created before.
import { createHash } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const LOWER_ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Where the stack is deployed: what ARNs and generated names are made of. */
export interface StackEnvironment {
  accountId: string;
  region: string;
  partition: string;
  urlSuffix: string;
  stackName: string;
}

/** What CloudFormation reports about a resource. */
export interface ResourceIdentity {
  physicalId: string;
  /** What `Ref` returns. */
  ref: string;
  arn?: string;
  /** Fn::GetAtt attributes. */
  attributes: Record<string, unknown>;
}

/** A deterministic stand-in for CloudFormation's random suffix. */
export function stableSuffix(seed: string, length = 12, alphabet = ALPHANUMERIC): string {
  const digest = createHash('sha256').update(seed).digest();
  let out = '';
  for (let i = 0; out.length < length; i += 1) out += alphabet[digest[i % digest.length]! % alphabet.length];
  return out;
}

/** `<Stack>-<LogicalId>-<SUFFIX>` within `maxLength`, as CloudFormation names resources without a name. */
export function generatedName(stackName: string, logicalId: string, maxLength = 64): string {
  const suffix = stableSuffix(`${stackName}/${logicalId}`);
  const budget = maxLength - suffix.length - 1;
  let prefix = `${stackName}-${logicalId}`;
  if (prefix.length > budget) {
    // Keep both halves recognisable: trim the longer one first.
    const half = Math.floor((budget - 1) / 2);
    const stackPart = stackName.slice(0, Math.max(half, budget - 1 - logicalId.length));
    prefix = `${stackPart}-${logicalId}`.slice(0, budget);
  }
  return `${prefix}-${suffix}`;
}

/** The identity of a type without its own Ref/ARN rules: stable values for whatever refers to it. */
export function genericIdentity(type: string, logicalId: string, name: string, env: StackEnvironment): ResourceIdentity {
  const service = type.split('::')[1]?.toLowerCase() ?? 'custom';
  const arn = `arn:${env.partition}:${service}:${env.region}:${env.accountId}:${logicalId.toLowerCase()}/${name}`;
  return { physicalId: name, ref: name, arn, attributes: { Arn: arn } };
}
