// Parsing and validating policy documents the way IAM does on write: MalformedPolicyDocument for
// grammar errors, LimitExceeded for size (counted without whitespace, as IAM counts).
import { AwsServiceError, type PolicyDocument, type PolicyStatement } from '../core/types.js';
import { parseOperator, toArray } from './policy-eval.js';

export type PolicyKind = 'identity' | 'trust' | 'session';

export const LIMITS = {
  managedPolicyChars: 6144,
  inlinePolicyCharsPerRole: 10240,
  trustPolicyChars: 2048,
  sessionPolicyChars: 2048,
} as const;

/** IAM's size measure: characters that are not whitespace. */
export function policySize(text: string): number {
  return text.replace(/\s/g, '').length;
}

function malformed(message: string): AwsServiceError {
  return new AwsServiceError('MalformedPolicyDocument', message, 400);
}

const ACTION_PATTERN = /^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;

function validateStatement(statement: unknown, kind: PolicyKind): void {
  if (statement === null || typeof statement !== 'object' || Array.isArray(statement)) throw malformed('Syntax errors in policy.');
  const s = statement as Record<string, unknown>;
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed('Invalid effect: ' + String(s.Effect));
  const hasAction = s.Action !== undefined;
  const hasNotAction = s.NotAction !== undefined;
  if (hasAction === hasNotAction) throw malformed('Policy statement must contain actions.');
  for (const action of toArray(s.Action ?? s.NotAction) as unknown[]) {
    if (typeof action !== 'string') throw malformed('Syntax errors in policy.');
    if (!ACTION_PATTERN.test(action)) throw malformed('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
  }
  for (const field of ['Resource', 'NotResource'] as const) {
    if (s[field] !== undefined && (toArray(s[field]) as unknown[]).some((r) => typeof r !== 'string')) throw malformed('Syntax errors in policy.');
  }
  const hasPrincipal = s.Principal !== undefined || s.NotPrincipal !== undefined;
  if (kind === 'trust') {
    if (!hasPrincipal) throw malformed('AssumeRolepolicy contained an invalid principal: missing Principal.');
    if (s.Resource !== undefined || s.NotResource !== undefined) throw malformed('Has prohibited field Resource');
    const principal = s.Principal ?? s.NotPrincipal;
    if (principal !== '*') {
      if (principal === null || typeof principal !== 'object' || Array.isArray(principal)) throw malformed('Invalid principal in policy');
      for (const [type, values] of Object.entries(principal)) {
        if (!['AWS', 'Service', 'Federated', 'CanonicalUser'].includes(type)) throw malformed(`Invalid principal in policy: "${type}"`);
        for (const v of toArray(values as unknown)) {
          if (typeof v !== 'string' || v === '') throw malformed('Invalid principal in policy');
          if (type === 'AWS' && v !== '*' && !/^\d{12}$/.test(v) && !/^arn:[^:]+:(iam|sts)::\d{12}:.+$/.test(v)) {
            throw malformed(`Invalid principal in policy: "AWS":"${v}"`);
          }
        }
      }
    }
  } else {
    if (hasPrincipal) throw malformed('Policy document should not specify a principal.');
    if (s.Resource === undefined && s.NotResource === undefined) throw malformed('Policy statement must contain resources.');
  }
  if (s.Condition !== undefined) {
    if (s.Condition === null || typeof s.Condition !== 'object' || Array.isArray(s.Condition)) throw malformed('Syntax errors in policy.');
    for (const [operator, block] of Object.entries(s.Condition)) {
      if (parseOperator(operator) === undefined) throw malformed(`Invalid Condition type : ${operator}`);
      if (block === null || typeof block !== 'object' || Array.isArray(block)) throw malformed('Syntax errors in policy.');
    }
  }
}

/** Parses a policy text and checks its grammar for the given kind of policy. */
export function parsePolicyDocument(text: string, kind: PolicyKind): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed('Syntax errors in policy.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw malformed('Syntax errors in policy.');
  const doc = parsed as Record<string, unknown>;
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') {
    throw malformed('The policy failed legacy parsing');
  }
  const statements = toArray(doc.Statement as unknown);
  if (statements.length === 0) throw malformed('Syntax errors in policy.');
  for (const statement of statements) validateStatement(statement, kind);
  return { ...(doc.Version !== undefined ? { Version: doc.Version as string } : {}), Statement: doc.Statement as PolicyStatement | PolicyStatement[] };
}

/** Accepts a document or its JSON text and returns the text IAM would store (the caller's own text when given one). */
export function policyText(document: PolicyDocument | string): string {
  return typeof document === 'string' ? document : JSON.stringify(document);
}
