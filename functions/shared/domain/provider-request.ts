// The API's request schema. zod/mini is zod's tree-shakable build: the same checks, a small bundle.
import * as z from 'zod/mini';
import { EXTERNAL_ID_PATTERN } from './external-id.js';
import { DNS_LABEL } from './provider.js';

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

const dnsLabel = (field: string) =>
  z
    .string({ error: `${field} is required and must be a string` })
    .check(z.regex(DNS_LABEL, `${field} must be 1-63 lower-case letters, digits or hyphens, starting and ending alphanumeric`));

export const ProviderRequestSchema = z.strictObject({
  workspace: dnsLabel('workspace'),
  name: dnsLabel('name'),
  accountId: z
    .string({ error: 'accountId is required and must be a string' })
    .check(z.regex(/^\d{12}$/, 'accountId must be 12 digits')),
  externalId: z.optional(
    z
      .string({ error: 'externalId must be a string' })
      .check(z.regex(EXTERNAL_ID_PATTERN, 'externalId must be 2-1224 characters of letters, digits and +=,.@:/_-')),
  ),
  roleName: z.optional(
    z
      .string({ error: 'roleName must be a string' })
      .check(z.regex(ROLE_NAME, 'roleName must be 1-64 characters of letters, digits and +=,.@_-')),
  ),
  trustEc2: z.optional(z.boolean({ error: 'trustEc2 must be a boolean' })),
});
export type ProviderRequest = z.infer<typeof ProviderRequestSchema>;

export interface FieldIssue {
  field: string;
  issue: string;
}

/** Validates a request body; the issues name each offending field. */
export function parseProviderRequest(
  body: unknown,
): { ok: true; request: ProviderRequest } | { ok: false; issues: FieldIssue[] } {
  const result = ProviderRequestSchema.safeParse(body);
  if (result.success) return { ok: true, request: result.data };
  const issues = result.error.issues.flatMap((issue): FieldIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: key, issue: 'unknown field' }));
    }
    const field = issue.path.join('.') || 'body';
    return [{ field, issue: field === 'body' ? 'the body must be a JSON object' : issue.message }];
  });
  return { ok: false, issues };
}

