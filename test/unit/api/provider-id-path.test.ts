// GET /providers/{providerId}: API Gateway hands the path parameter over decoded, so the function
// must not decode it again. A request for "%25" (decoded: "%") or "%ZZ" (not decodable, passed as
// is) is a client's mistake: 400, never a URIError turned into a 500.
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_ENVIRONMENT, apiEvent, lambdaContext } from '../../support/api-events.js';
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

const getById = (providerId: string) =>
  handler(apiEvent('GET', '/providers/{providerId}', { pathParameters: { providerId } }), lambdaContext());

describe('a path id that is not a provider id', () => {
  it.each([
    ['"%25" as API Gateway decodes it', '%'],
    ['"%ZZ", which does not decode and arrives as sent', '%ZZ'],
    ['a truncated escape', '%E0%A4%A'],
    ['an encoded slash as API Gateway decodes it', 'payments/dev'],
  ])('answers 400 naming providerId for %s, without reading the registry', async (_label, providerId) => {
    // Act
    const response = await getById(providerId);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'VALIDATION_FAILED', message: 'Invalid providerId', details: [{ field: 'providerId', issue: 'must be <workspace>.<name>' }] },
    });
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });
});

describe('a provider id is used as API Gateway passed it', () => {
  it('reads the provider under the id exactly as received', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: providerRecord() });

    // Act
    const response = await getById('payments.dev');

    // Assess
    expect(response.statusCode).toBe(200);
    expect(dynamo).toHaveReceivedCommandWith(GetCommand, { Key: { providerId: 'payments.dev' } });
  });
});
