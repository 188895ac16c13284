// docs/openapi.json is generated (npm run openapi) from the schemas the api function validates
// with; these tests fail when the file is stale or the document's shapes drift from the code's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clusterIdentityOf } from '../../functions/shared/domain/cluster-identity.js';
import { toProviderView } from '../../functions/shared/domain/provider-view.js';
import { OPENAPI_FILE, openApiDocument, openApiText } from '../../scripts/openapi.js';
import { providerRecord } from '../support/provider-records.js';

describe('docs/openapi.json', () => {
  it('is what `npm run openapi` generates from the current schemas', () => {
    // Act
    const committed = readFileSync(OPENAPI_FILE, 'utf8');

    // Assess
    expect(committed).toBe(openApiText());
  });

  it('takes the create body from the handler’s schema: name and accountId required, no workspace, nothing else', () => {
    // Act
    const body = openApiDocument().components.schemas.ProviderBody;

    // Assess
    expect(body).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string', pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' },
        accountId: { type: 'string', pattern: '^\\d{12}$' },
        externalId: { type: 'string', pattern: '^[\\w+=,.@:/-]{2,1224}$' },
        roleName: { type: 'string', pattern: '^[\\w+=,.@-]{1,64}$' },
        trustEc2: { type: 'boolean' },
      },
      required: ['name', 'accountId'],
      additionalProperties: false,
    });
  });

  it('describes every field of the provider the API answers, and no other', () => {
    // Prepare: every provider has the fields of a READY one; a tombstone has the offboarding's too
    const view = toProviderView(providerRecord());
    const tombstone = toProviderView(
      providerRecord({ status: 'DELETED', deletedAt: '2026-11-29T00:00:00.000Z', offboarding: { force: false, removed: [], leftInPlace: [] } }),
    );

    // Act
    const schema = openApiDocument().components.schemas.Provider as { properties: Record<string, unknown>; required: string[] };

    // Assess
    expect(Object.keys(schema.properties).sort()).toEqual(Object.keys(tombstone).sort());
    expect(schema.required.sort()).toEqual(Object.keys(view).sort());
  });

  it('describes every field of the cluster identity the API answers, and no other', () => {
    // Prepare
    const identity = clusterIdentityOf(providerRecord(), {
      durationSeconds: 3600,
      sourceIdentity: { kind: 'AWSClusterControllerIdentity', name: 'default' },
      workspaceNamespaces: {},
    });

    // Act
    const schema = openApiDocument().components.schemas.AWSClusterRoleIdentity as {
      required: string[];
      properties: { spec: { required: string[]; properties: Record<string, unknown> } };
    };

    // Assess
    expect(schema.required).toEqual(Object.keys(identity));
    expect(schema.properties.spec.required).toEqual(Object.keys(identity.spec));
    expect(Object.keys(schema.properties.spec.properties)).toEqual(Object.keys(identity.spec));
  });
});
