// GET /workspaces/{workspace}/providers/{name}/cluster-identity: the CAPA identity of a READY
// provider, as JSON or YAML; any other status is 409 and carries no secret.
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prefersYaml } from '../../../../functions/api/routes/route.js';
import { API_ENVIRONMENT, CLUSTER_IDENTITY_RESOURCE, lambdaContext, routeEvent } from '../../../support/api-events.js';
import { providerRecord } from '../../../support/provider-records.js';

const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  Object.assign(process.env, API_ENVIRONMENT, {
    CLUSTER_IDENTITY_DURATION_SECONDS: '7200',
    CLUSTER_IDENTITY_SOURCE_KIND: 'AWSClusterRoleIdentity',
    CLUSTER_IDENTITY_SOURCE_NAME: 'management-hop',
    WORKSPACE_NAMESPACES: '{"search":["search-team"]}',
  });
  ({ handler } = await import('../../../../functions/api/handler.js'));
});

beforeEach(() => {
  dynamo.reset();
});

const getIdentity = (accept?: string) =>
  handler(
    routeEvent('GET', CLUSTER_IDENTITY_RESOURCE, { workspace: 'payments', name: 'dev' }, { headers: { Host: 'api.example.com', ...(accept && { Accept: accept }) } }),
    lambdaContext(),
  );

describe('a READY provider', () => {
  it('answers its AWSClusterRoleIdentity as JSON by default, with the configured session settings', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: providerRecord() });

    // Act
    const response = await getIdentity();

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json', vary: 'Accept' });
    expect(JSON.parse(response.body)).toEqual({
      apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
      kind: 'AWSClusterRoleIdentity',
      metadata: { name: 'payments.dev' },
      spec: {
        roleARN: 'arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev',
        externalID: 'stored-external-id-7f3a9c1e5b2d4860',
        sessionName: 'capa-payments-dev',
        durationSeconds: 7200,
        sourceIdentityRef: { kind: 'AWSClusterRoleIdentity', name: 'management-hop' },
        allowedNamespaces: { list: ['payments'] },
      },
    });
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, { Key: { providerId: 'payments.dev' } });
  });

  it('answers YAML for Accept: application/yaml', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: providerRecord() });

    // Act
    const response = await getIdentity('application/yaml');

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({ 'content-type': 'application/yaml', vary: 'Accept' });
    expect(response.body).toBe(
      [
        'apiVersion: "infrastructure.cluster.x-k8s.io/v1beta2"',
        'kind: "AWSClusterRoleIdentity"',
        'metadata:',
        '  name: "payments.dev"',
        'spec:',
        '  roleARN: "arn:aws:iam::123456789012:role/capa-providers/capa-payments-dev"',
        '  externalID: "stored-external-id-7f3a9c1e5b2d4860"',
        '  sessionName: "capa-payments-dev"',
        '  durationSeconds: 7200',
        '  sourceIdentityRef:',
        '    kind: "AWSClusterRoleIdentity"',
        '    name: "management-hop"',
        '  allowedNamespaces:',
        '    list:',
        '      - "payments"',
        '',
      ].join('\n'),
    );
  });
});

describe('a provider that is not READY', () => {
  it.each(['PENDING', 'CREATING', 'VERIFYING', 'FAILED', 'DELETING', 'DELETED'] as const)(
    'answers 409 for %s, naming its status and without its External ID',
    async (status) => {
      // Prepare
      dynamo.on(GetCommand).resolves({ Item: providerRecord({ status }) });

      // Act
      const response = await getIdentity('application/yaml');

      // Assess
      expect(response.statusCode).toBe(409);
      expect(JSON.parse(response.body)).toEqual({
        error: {
          code: 'CONFLICT',
          message: `Provider payments.dev is ${status}: its cluster identity is available only while it is READY`,
          details: [{ field: 'status', issue: `is ${status}, must be READY` }],
        },
      });
      expect(response.body).not.toContain('stored-external-id');
    },
  );

  it('answers 404 for an unknown provider', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});

    // Act
    const response = await getIdentity();

    // Assess
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body).error).toEqual({ code: 'NOT_FOUND', message: 'Provider payments.dev does not exist', details: [] });
  });
});

describe('content negotiation', () => {
  it.each([
    [undefined, false],
    ['application/json', false],
    ['*/*', false],
    ['application/yaml', true],
    ['text/yaml', true],
    ['application/x-yaml', true],
    ['application/json, application/yaml', false],
    ['application/yaml, application/json', true],
    ['application/json;q=0.5, application/yaml', true],
    ['application/yaml;q=0, application/json', false],
    ['text/html', false],
  ])('Accept %s prefers YAML: %s', (accept, yaml) => {
    // Act
    const preferred = prefersYaml(accept);

    // Assess
    expect(preferred).toBe(yaml);
  });
});
