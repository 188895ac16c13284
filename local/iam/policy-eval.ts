// IAM policy evaluation, pure: action/resource/principal matching with wildcards, conditions,
// explicit Deny over Allow, default deny. Used for identity, session and trust policies alike.
import type { PolicyDocument, PolicyStatement } from '../core/types.js';

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** Condition keys (case-insensitive) to request values; absent keys are simply missing. */
export type ConditionContext = Record<string, string | string[]>;

/** Who is asking, for policies with a Principal element (trust policies). */
export type PrincipalRef =
  | { type: 'AWS'; accountId: string; arn: string; roleArn?: string }
  | { type: 'Service'; service: string };

export interface EvaluationRequest {
  action: string;
  /** Omitted for trust policies, whose statements usually name no resource. */
  resource?: string;
  context?: ConditionContext;
  /** Set for resource-based (trust) policies: only statements whose Principal matches apply. */
  principal?: PrincipalRef;
}

export function toArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function statementsOf(document: PolicyDocument): PolicyStatement[] {
  return toArray(document.Statement);
}

const patternCache = new Map<string, RegExp>();

/** IAM glob: `*` any run of characters, `?` one character, everything else literal. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  const cacheKey = `${caseInsensitive ? 'i' : 's'}:${pattern}`;
  let regex = patternCache.get(cacheKey);
  if (regex === undefined) {
    const source = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${source}$`, caseInsensitive ? 'is' : 's');
    if (patternCache.size > 5000) patternCache.clear();
    patternCache.set(cacheKey, regex);
  }
  return regex.test(value);
}

/** Actions are `service:Operation`, compared case-insensitively. */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern, action, true);
}

/** Splits an ARN into its six parts; the resource part keeps any further colons. */
function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** ARN matching as IAM does it: each of the six segments on its own, so `*` never spans a colon before the resource. */
export function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = arnParts(pattern);
  const a = arnParts(arn);
  if (p === undefined || a === undefined) return wildcardMatch(pattern, arn);
  return p.every((segment, i) => wildcardMatch(segment, a[i] ?? ''));
}

export function resourceMatches(pattern: string, resource: string): boolean {
  return arnMatches(pattern, resource);
}

function lookup(context: ConditionContext, key: string): string[] | undefined {
  const wanted = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) {
    if (k.toLowerCase() === wanted) return toArray(v);
  }
  return undefined;
}

/**
 * Replaces `${aws:PrincipalAccount}`-style policy variables from the request context; `${*}`, `${?}`
 * and `${$}` stand for the literal characters. Undefined when a variable is missing: the
 * value then matches nothing, as in IAM.
 */
export function substituteVariables(value: string, context: ConditionContext): string | undefined {
  if (!value.includes('${')) return value;
  let missing = false;
  const out = value.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    if (name === '*' || name === '?' || name === '$') return `\u0000${name}`;
    const v = lookup(context, name);
    if (v === undefined || v.length !== 1) {
      missing = true;
      return '';
    }
    return v[0] ?? '';
  });
  return missing ? undefined : out;
}

/** The wildcard characters that came from `${*}`/`${?}` must match literally. */
function literalize(pattern: string): string {
  return pattern.replace(/\u0000([*?$])/g, '$1');
}

type Comparator = (policyValue: string, requestValue: string) => boolean;

function numeric(test: (a: number, b: number) => boolean): Comparator {
  return (pv, rv) => {
    const a = Number(rv);
    const b = Number(pv);
    return !Number.isNaN(a) && !Number.isNaN(b) && test(a, b);
  };
}

function toEpochMs(value: string): number {
  return /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
}

function date(test: (a: number, b: number) => boolean): Comparator {
  return (pv, rv) => {
    const a = toEpochMs(rv);
    const b = toEpochMs(pv);
    return !Number.isNaN(a) && !Number.isNaN(b) && test(a, b);
  };
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    const octet = Number(part);
    if (!/^\d{1,3}$/.test(part) || octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

const ipInRange: Comparator = (pv, rv) => {
  const [base, bitsText] = pv.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  const b = ipv4ToInt(base ?? '');
  const a = ipv4ToInt(rv);
  if (a === undefined || b === undefined || Number.isNaN(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
};

const stringLike: Comparator = (pv, rv) => {
  if (!pv.includes('\u0000')) return wildcardMatch(pv, rv);
  // Escaped wildcards: match literal pieces around genuine wildcards.
  const pieces = pv.split(/(\u0000[*?$])/);
  const escaped = pieces.map((piece) => (piece.startsWith('\u0000') ? piece.slice(1).replace(/[*?$]/g, '\\$&') : piece.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&'))).join('')));
  return new RegExp(`^${escaped.join('')}$`, 's').test(rv);
};

/** Operator name → comparator and whether it is a negated ("Not") operator. */
const OPERATORS: Record<string, { test: Comparator; negated: boolean }> = {
  StringEquals: { test: (pv, rv) => literalize(pv) === rv, negated: false },
  StringNotEquals: { test: (pv, rv) => literalize(pv) === rv, negated: true },
  StringEqualsIgnoreCase: { test: (pv, rv) => literalize(pv).toLowerCase() === rv.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { test: (pv, rv) => literalize(pv).toLowerCase() === rv.toLowerCase(), negated: true },
  StringLike: { test: stringLike, negated: false },
  StringNotLike: { test: stringLike, negated: true },
  NumericEquals: { test: numeric((a, b) => a === b), negated: false },
  NumericNotEquals: { test: numeric((a, b) => a === b), negated: true },
  NumericLessThan: { test: numeric((a, b) => a < b), negated: false },
  NumericLessThanEquals: { test: numeric((a, b) => a <= b), negated: false },
  NumericGreaterThan: { test: numeric((a, b) => a > b), negated: false },
  NumericGreaterThanEquals: { test: numeric((a, b) => a >= b), negated: false },
  DateEquals: { test: date((a, b) => a === b), negated: false },
  DateNotEquals: { test: date((a, b) => a === b), negated: true },
  DateLessThan: { test: date((a, b) => a < b), negated: false },
  DateLessThanEquals: { test: date((a, b) => a <= b), negated: false },
  DateGreaterThan: { test: date((a, b) => a > b), negated: false },
  DateGreaterThanEquals: { test: date((a, b) => a >= b), negated: false },
  Bool: { test: (pv, rv) => pv.toLowerCase() === rv.toLowerCase(), negated: false },
  BinaryEquals: { test: (pv, rv) => pv === rv, negated: false },
  IpAddress: { test: ipInRange, negated: false },
  NotIpAddress: { test: ipInRange, negated: true },
  // ArnEquals accepts wildcards just like ArnLike.
  ArnEquals: { test: (pv, rv) => arnMatches(literalize(pv), rv), negated: false },
  ArnLike: { test: (pv, rv) => arnMatches(literalize(pv), rv), negated: false },
  ArnNotEquals: { test: (pv, rv) => arnMatches(literalize(pv), rv), negated: true },
  ArnNotLike: { test: (pv, rv) => arnMatches(literalize(pv), rv), negated: true },
};

interface ParsedOperator {
  base: string;
  set?: 'any' | 'all';
  ifExists: boolean;
}

export function parseOperator(raw: string): ParsedOperator | undefined {
  let name = raw;
  let set: 'any' | 'all' | undefined;
  if (name.startsWith('ForAnyValue:')) {
    set = 'any';
    name = name.slice('ForAnyValue:'.length);
  } else if (name.startsWith('ForAllValues:')) {
    set = 'all';
    name = name.slice('ForAllValues:'.length);
  }
  let ifExists = false;
  if (name !== 'Null' && name.endsWith('IfExists')) {
    ifExists = true;
    name = name.slice(0, -'IfExists'.length);
  }
  if (name !== 'Null' && OPERATORS[name] === undefined) return undefined;
  return { base: name, ifExists, ...(set !== undefined ? { set } : {}) };
}

function policyValues(value: string | string[] | boolean | number): string[] {
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

function evaluateConditionKey(rawOperator: string, key: string, value: string | string[] | boolean | number, context: ConditionContext): boolean {
  const op = parseOperator(rawOperator);
  // An operator IAM does not know can never be satisfied (policy validation rejects it earlier).
  if (op === undefined) return false;
  const requestValues = lookup(context, key);
  const absent = requestValues === undefined || requestValues.length === 0;
  const rawPolicyValues = policyValues(value);

  if (op.base === 'Null') {
    return rawPolicyValues.some((pv) => (pv.toLowerCase() === 'true') === absent);
  }
  const operator = OPERATORS[op.base];
  if (operator === undefined) return false;
  const values = rawPolicyValues.map((pv) => substituteVariables(pv, context)).filter((pv): pv is string => pv !== undefined);
  const matchesAny = (rv: string) => values.some((pv) => operator.test(pv, rv));
  const satisfied = (rv: string) => (operator.negated ? !matchesAny(rv) : matchesAny(rv));

  if (op.set === 'all') return absent || (requestValues ?? []).every(satisfied);
  if (op.set === 'any') return !absent && (requestValues ?? []).some(satisfied);
  // A missing key fails a positive test and passes a negated one (and anything with IfExists).
  if (absent) return op.ifExists || operator.negated;
  return operator.negated ? (requestValues ?? []).every(satisfied) : (requestValues ?? []).some(satisfied);
}

/** All operators and all keys must hold (AND); the values listed for one key are alternatives (OR). */
export function evaluateCondition(condition: PolicyStatement['Condition'], context: ConditionContext): boolean {
  if (condition === undefined) return true;
  for (const [operator, block] of Object.entries(condition)) {
    if (block === null || typeof block !== 'object') return false;
    for (const [key, value] of Object.entries(block)) {
      if (!evaluateConditionKey(operator, key, value, context)) return false;
    }
  }
  return true;
}

/** Does a Principal element name this principal? Account ids, `:root` and `*` cover the whole account. */
export function principalMatches(element: PolicyStatement['Principal'], who: PrincipalRef): boolean {
  if (element === undefined) return false;
  if (element === '*') return true;
  for (const [type, raw] of Object.entries(element)) {
    for (const value of toArray(raw)) {
      if (type === 'AWS' && who.type === 'AWS') {
        if (value === '*') return true;
        if (value === who.accountId) return true;
        if (/^arn:[^:]+:iam::\d{12}:root$/.test(value) && value.split(':')[4] === who.accountId) return true;
        if (value === who.arn) return true;
        if (who.roleArn !== undefined && value === who.roleArn) return true;
      } else if (type === 'Service' && who.type === 'Service') {
        if (value === who.service) return true;
      }
    }
  }
  return false;
}

/** Whether a statement applies to the request (before its Effect is considered). */
export function statementApplies(statement: PolicyStatement, request: EvaluationRequest): boolean {
  const context = request.context ?? {};
  if (request.principal !== undefined) {
    if (statement.Principal !== undefined) {
      if (!principalMatches(statement.Principal, request.principal)) return false;
    } else if (statement.NotPrincipal !== undefined) {
      if (principalMatches(statement.NotPrincipal, request.principal)) return false;
    } else {
      return false;
    }
  }
  if (statement.Action !== undefined) {
    if (!toArray(statement.Action).some((a) => actionMatches(a, request.action))) return false;
  } else if (statement.NotAction !== undefined) {
    if (toArray(statement.NotAction).some((a) => actionMatches(a, request.action))) return false;
  } else {
    return false;
  }
  if (request.resource !== undefined) {
    const resource = request.resource;
    const matches = (pattern: string) => {
      const p = substituteVariables(pattern, context);
      return p !== undefined && resourceMatches(literalize(p), resource);
    };
    if (statement.Resource !== undefined) {
      if (!toArray(statement.Resource).some(matches)) return false;
    } else if (statement.NotResource !== undefined) {
      if (toArray(statement.NotResource).some(matches)) return false;
    }
  }
  return evaluateCondition(statement.Condition, context);
}

/** One policy: any applicable Deny → ExplicitDeny, else any applicable Allow → Allow, else ImplicitDeny. */
export function evaluatePolicy(document: PolicyDocument, request: EvaluationRequest): Decision {
  let allowed = false;
  for (const statement of statementsOf(document)) {
    if (!statementApplies(statement, request)) continue;
    if (statement.Effect === 'Deny') return 'ExplicitDeny';
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

/** A set of policies of one kind (e.g. all identity policies of a role): they are unioned, Deny wins. */
export function evaluatePolicies(documents: PolicyDocument[], request: EvaluationRequest): Decision {
  let allowed = false;
  for (const document of documents) {
    const decision = evaluatePolicy(document, request);
    if (decision === 'ExplicitDeny') return 'ExplicitDeny';
    if (decision === 'Allow') allowed = true;
  }
  return allowed ? 'Allow' : 'ImplicitDeny';
}

/** A trust policy decides AssumeRole (or a service's assumption) for one principal. */
export function evaluateTrustPolicy(
  document: PolicyDocument,
  request: { principal: PrincipalRef; action?: string; roleArn?: string; context?: ConditionContext },
): Decision {
  return evaluatePolicy(document, {
    action: request.action ?? 'sts:AssumeRole',
    principal: request.principal,
    ...(request.roleArn !== undefined ? { resource: request.roleArn } : {}),
    ...(request.context !== undefined ? { context: request.context } : {}),
  });
}
