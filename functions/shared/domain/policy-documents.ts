// Policy documents as IAM sees them: size as IAM counts it, and splitting across managed policies.
import { createHash } from 'node:crypto';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** IAM's quota for one customer managed policy, counted without white space. */
export const MANAGED_POLICY_SIZE_LIMIT = 6_144;
/** IAM's quota for all inline policies of one role together, counted without white space. */
export const INLINE_POLICIES_SIZE_LIMIT = 10_240;

/** The size IAM charges against its quotas: the JSON text without white space. */
export function policySize(document: PolicyDocument): number {
  return JSON.stringify(document).replace(/\s/g, '').length;
}

/** A short, stable fingerprint of a document, recorded as the provider's policy version. */
export function policyVersionOf(document: PolicyDocument): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(document)).digest('hex').slice(0, 16)}`;
}

function actionsOf(statement: PolicyStatement): string[] | undefined {
  if (statement.Action === undefined) return undefined;
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/**
 * Splits one statement whose own size is over the limit into several with a share of its actions each
 * (same effect, resources and conditions, so the union grants exactly the same).
 */
function splitStatement(statement: PolicyStatement, limit: number): PolicyStatement[] {
  const actions = actionsOf(statement);
  const alone = (s: PolicyStatement) => policySize({ Version: '2012-10-17', Statement: [s] });
  if (alone(statement) <= limit) return [statement];
  if (!actions || actions.length < 2) {
    throw new Error(`A policy statement of ${alone(statement)} characters cannot fit a ${limit}-character policy`);
  }
  const half = Math.ceil(actions.length / 2);
  const { Sid, ...rest } = statement;
  const parts = [actions.slice(0, half), actions.slice(half)].map((part, index) => ({
    ...(Sid ? { Sid: `${Sid}${index + 1}` } : {}),
    ...rest,
    Action: part,
  }));
  return parts.flatMap((part) => splitStatement(part, limit));
}

/**
 * Packs the document's statements, in order, into as few documents as the size limit allows.
 * Today CAPA's minimal policy fits one managed policy; the policy grows with CAPA releases, so
 * nothing downstream may assume a single document.
 */
export function splitPolicyDocument(
  document: PolicyDocument,
  limit: number = MANAGED_POLICY_SIZE_LIMIT,
): PolicyDocument[] {
  const statements = document.Statement.flatMap((statement) => splitStatement(statement, limit));
  const documents: PolicyDocument[] = [];
  let current: PolicyStatement[] = [];
  for (const statement of statements) {
    const candidate = [...current, statement];
    if (current.length > 0 && policySize({ Version: '2012-10-17', Statement: candidate }) > limit) {
      documents.push({ Version: '2012-10-17', Statement: current });
      current = [statement];
    } else {
      current = candidate;
    }
  }
  if (current.length > 0) documents.push({ Version: '2012-10-17', Statement: current });
  return documents;
}

/** Compares documents by meaning: key order, Sids and single-vs-list spelling do not count. */
export function samePolicyDocument(left: unknown, right: unknown): boolean {
  return JSON.stringify(normalize(left)) === JSON.stringify(normalize(right));
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalize);
    return items.length === 1 ? items[0] : items.map((item) => JSON.stringify(item)).sort();
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => key !== 'Sid')
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, child]) => [key, normalize(child)]),
    );
  }
  return value;
}
