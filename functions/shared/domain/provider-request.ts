// The API's request schema, checked by hand: a schema library (even zod/mini, about 14 KB minified)
// would put the API bundle over its size budget for six fields. Issues come in the order of the
// fields below, then one per unknown field, each naming its field.
import { EXTERNAL_ID_PATTERN } from './external-id.js';
import { DNS_LABEL } from './provider.js';

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export interface ProviderRequest {
  workspace: string;
  name: string;
  accountId: string;
  externalId?: string | undefined;
  roleName?: string | undefined;
  trustEc2?: boolean | undefined;
}

export interface FieldIssue {
  field: string;
  issue: string;
}

interface FieldRule {
  required: boolean;
  /** The issue with a present value, or undefined when it is valid. */
  check(value: unknown): string | undefined;
}

function text(typeIssue: string, pattern: RegExp, patternIssue: string): (value: unknown) => string | undefined {
  return (value) => (typeof value !== 'string' ? typeIssue : pattern.test(value) ? undefined : patternIssue);
}

const dnsLabel = (field: string): FieldRule => ({
  required: true,
  check: text(
    `${field} is required and must be a string`,
    DNS_LABEL,
    `${field} must be 1-63 lower-case letters, digits or hyphens, starting and ending alphanumeric`,
  ),
});

const FIELDS: Record<keyof ProviderRequest, FieldRule> = {
  workspace: dnsLabel('workspace'),
  name: dnsLabel('name'),
  accountId: { required: true, check: text('accountId is required and must be a string', /^\d{12}$/, 'accountId must be 12 digits') },
  externalId: {
    required: false,
    check: text('externalId must be a string', EXTERNAL_ID_PATTERN, 'externalId must be 2-1224 characters of letters, digits and +=,.@:/_-'),
  },
  roleName: {
    required: false,
    check: text('roleName must be a string', ROLE_NAME, 'roleName must be 1-64 characters of letters, digits and +=,.@_-'),
  },
  trustEc2: { required: false, check: (value) => (typeof value === 'boolean' ? undefined : 'trustEc2 must be a boolean') },
};

/** Validates a request body; the issues name each offending field. */
export function parseProviderRequest(
  body: unknown,
): { ok: true; request: ProviderRequest } | { ok: false; issues: FieldIssue[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, issues: [{ field: 'body', issue: 'the body must be a JSON object' }] };
  }
  const input = body as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  const request: Record<string, unknown> = {};
  for (const [field, rule] of Object.entries(FIELDS)) {
    const present = Object.hasOwn(input, field);
    const value = present ? input[field] : undefined;
    if (value === undefined && !rule.required) {
      if (present) request[field] = undefined;
      continue;
    }
    const issue = rule.check(value);
    if (issue) issues.push({ field, issue });
    else request[field] = value;
  }
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(FIELDS, key)) issues.push({ field: key, issue: 'unknown field' });
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, request: request as unknown as ProviderRequest };
}
