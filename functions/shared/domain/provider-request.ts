// The API's request schemas: the create body, the rotation body and the path's identity. zod/mini is zod's
// tree-shakable build: the same checks, a small bundle. docs/openapi.json is generated from these
// schemas (scripts/openapi.ts), so the published contract is the one the handler validates with.
import * as z from 'zod/mini';
import { EXTERNAL_ID_PATTERN } from './external-id.js';
import { DNS_LABEL } from './provider.js';

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export const dnsLabelSchema = (field: string) =>
  z
    .string({ error: `${field} is required and must be a string` })
    .check(z.regex(DNS_LABEL, `${field} must be 1-63 lower-case letters, digits or hyphens, starting and ending alphanumeric`));

const optionalExternalId = z.optional(
  z
    .string({ error: 'externalId must be a string' })
    .check(z.regex(EXTERNAL_ID_PATTERN, 'externalId must be 2-1224 characters of letters, digits and +=,.@:/_-')),
);

/**
 * The POST /workspaces/{workspace}/providers body. The workspace is the path's, never the body's:
 * IAM authorizes the path, so a body naming another workspace would create outside the grant.
 * A body `workspace` is therefore an unknown field (400), like any other.
 */
export const ProviderBodySchema = z.strictObject({
  name: dnsLabelSchema('name'),
  accountId: z
    .string({ error: 'accountId is required and must be a string' })
    .check(z.regex(/^\d{12}$/, 'accountId must be 12 digits')),
  externalId: optionalExternalId,
  roleName: z.optional(
    z
      .string({ error: 'roleName must be a string' })
      .check(z.regex(ROLE_NAME, 'roleName must be 1-64 characters of letters, digits and +=,.@_-')),
  ),
  trustEc2: z.optional(z.boolean({ error: 'trustEc2 must be a boolean' })),
});
export type ProviderBody = z.infer<typeof ProviderBodySchema>;

/** What starts an onboarding: the body plus the workspace (the API's path, or a trigger's rules). */
export type ProviderRequest = ProviderBody & { workspace: string };

export interface FieldIssue {
  field: string;
  issue: string;
}

/** The POST …/rotations body: optional, like the create body's `externalId`. */
export const RotationBodySchema = z.strictObject({ externalId: optionalExternalId });
export type RotationBody = z.infer<typeof RotationBodySchema>;

/** Each offending field of a body that failed its schema: unknown fields by name, a non-object as `body`. */
function fieldIssues(error: z.core.$ZodError): FieldIssue[] {
  return error.issues.flatMap((issue): FieldIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: key, issue: 'unknown field' }));
    }
    const field = issue.path.join('.') || 'body';
    return [{ field, issue: field === 'body' ? 'the body must be a JSON object' : issue.message }];
  });
}

/** Validates a create body; the issues name each offending field. */
export function parseProviderBody(body: unknown): { ok: true; body: ProviderBody } | { ok: false; issues: FieldIssue[] } {
  const result = ProviderBodySchema.safeParse(body);
  return result.success ? { ok: true, body: result.data } : { ok: false, issues: fieldIssues(result.error) };
}

/** Validates a rotation body; an empty body means "generate the new ID". */
export function parseRotationBody(body: unknown): { ok: true; body: RotationBody } | { ok: false; issues: FieldIssue[] } {
  const result = RotationBodySchema.safeParse(body);
  return result.success ? { ok: true, body: result.data } : { ok: false, issues: fieldIssues(result.error) };
}
