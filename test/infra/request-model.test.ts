// The API Gateway model for POST /workspaces/{workspace}/providers must accept and refuse exactly
// what the api function accepts and refuses (ProviderBodySchema), or the edge would block valid requests.
import type { JsonSchema } from 'aws-cdk-lib/aws-apigateway';
import { describe, expect, it } from 'vitest';
import { parseProviderBody } from '../../functions/shared/domain/provider-request.js';
import { PROVIDER_REQUEST_MODEL } from '../../lib/constructs/onboarding-api.js';

/** Evaluates the JSON Schema subset the model uses (object, required, additionalProperties, string pattern, boolean). */
function modelAccepts(schema: JsonSchema, body: unknown): boolean {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const record = body as Record<string, unknown>;
  if (!(schema.required ?? []).every((key) => key in record)) return false;
  for (const [key, value] of Object.entries(record)) {
    const property = schema.properties?.[key];
    if (property === undefined) {
      if (schema.additionalProperties === false) return false;
      continue;
    }
    if (property.type === 'boolean' && typeof value !== 'boolean') return false;
    if (property.type === 'string') {
      if (typeof value !== 'string') return false;
      if (property.pattern !== undefined && !new RegExp(property.pattern).test(value)) return false;
    }
  }
  return true;
}

const valid = { name: 'dev', accountId: '222233334444' };

const bodies: Array<[string, unknown]> = [
  ['minimal', valid],
  ['all fields', { ...valid, externalId: 'a1+=,.@:/_-Z', roleName: 'capa_role+=,.@-1', trustEc2: false }],
  ['63-character label', { ...valid, name: `b${'-'.repeat(61)}c` }],
  ['64-character label', { ...valid, name: 'a'.repeat(64) }],
  ['upper-case name', { ...valid, name: 'Dev' }],
  ['a workspace (the path names it)', { ...valid, workspace: 'payments' }],
  ['label ending in a hyphen', { ...valid, name: 'dev-' }],
  ['11-digit account', { ...valid, accountId: '22223333444' }],
  ['numeric account', { ...valid, accountId: 222233334444 }],
  ['missing name', { accountId: '222233334444' }],
  ['unknown field', { ...valid, region: 'us-east-1' }],
  ['1-character externalId', { ...valid, externalId: 'x' }],
  ['1224-character externalId', { ...valid, externalId: 'x'.repeat(1224) }],
  ['1225-character externalId', { ...valid, externalId: 'x'.repeat(1225) }],
  ['externalId with a space', { ...valid, externalId: 'has space' }],
  ['65-character roleName', { ...valid, roleName: 'r'.repeat(65) }],
  ['roleName with a slash', { ...valid, roleName: 'a/b' }],
  ['trustEc2 as text', { ...valid, trustEc2: 'true' }],
  ['array body', [valid]],
  ['string body', 'payments'],
];

describe('POST /workspaces/{workspace}/providers request model', () => {
  it('uses only the JSON Schema keywords this comparison evaluates', () => {
    // Prepare
    const known = new Set(['schema', 'title', 'type', 'required', 'additionalProperties', 'properties']);

    // Act
    const keys = Object.keys(PROVIDER_REQUEST_MODEL);
    const propertyKeys = Object.values(PROVIDER_REQUEST_MODEL.properties ?? {}).flatMap((p) => Object.keys(p));

    // Assess
    expect(keys.filter((k) => !known.has(k))).toEqual([]);
    expect(Object.keys(PROVIDER_REQUEST_MODEL.properties ?? {})).toEqual(['name', 'accountId', 'externalId', 'roleName', 'trustEc2']);
    expect(propertyKeys.filter((k) => k !== 'type' && k !== 'pattern')).toEqual([]);
  });

  it.each(bodies)('agrees with the api function on %s', (_label, body) => {
    // Prepare
    const handlerVerdict = parseProviderBody(body).ok;

    // Act
    const modelVerdict = modelAccepts(PROVIDER_REQUEST_MODEL, body);

    // Assess
    expect(modelVerdict).toBe(handlerVerdict);
  });
});
