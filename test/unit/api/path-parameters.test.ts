// GET /workspaces/{workspace}/providers/{name}: API Gateway hands path parameters over decoded, so
// the function must not decode them again. A request for "%25" (decoded: "%") or "%ZZ" (not
// decodable, passed as is) is a client's mistake: 400, never a URIError turned into a 500.
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_ENVIRONMENT, lambdaContext, PROVIDER_RESOURCE, routeEvent } from '../../support/api-events.js';
import { providerRecord } from '../../support/provider-records.js';

const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  Object.assign(process.env, API_ENVIRONMENT);
  ({ handler } = await import('../../../functions/api/handler.js'));
});

beforeEach(() => {
  dynamo.reset();
});

const getProvider = (workspace: string, name: string) => handler(routeEvent('GET', PROVIDER_RESOURCE, { workspace, name }), lambdaContext());

const LABEL_ISSUE = (field: string) => `${field} must be 1-63 lower-case letters, digits or hyphens, starting and ending alphanumeric`;

describe('a path parameter that is not a DNS label', () => {
  it.each([
    ['"%25" as API Gateway decodes it', '%'],
    ['"%ZZ", which does not decode and arrives as sent', '%ZZ'],
    ['a truncated escape', '%E0%A4%A'],
    ['an encoded slash as API Gateway decodes it', 'dev/prod'],
    ['a dot, which would make another provider id', 'dev.prod'],
  ])('answers 400 naming name for %s, without reading the registry', async (_label, name) => {
    // Act
    const response = await getProvider('payments', name);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'VALIDATION_FAILED', message: 'The path has invalid parameters', details: [{ field: 'name', issue: LABEL_ISSUE('name') }] },
    });
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it('names both parameters when both are invalid', async () => {
    // Act
    const response = await getProvider('Payments', '%');

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error.details).toEqual([
      { field: 'workspace', issue: LABEL_ISSUE('workspace') },
      { field: 'name', issue: LABEL_ISSUE('name') },
    ]);
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });
});

describe('the path identifies the provider', () => {
  it('reads the provider <workspace>.<name>', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: providerRecord() });

    // Act
    const response = await getProvider('payments', 'dev');

    // Assess
    expect(response.statusCode).toBe(200);
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, { Key: { providerId: 'payments.dev' } });
  });
});
