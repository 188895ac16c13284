// Client input API Gateway lets through to the function, refused there with a 4xx: a page size
// that is not plain digits, and a JSON body declared as another media type (API Gateway validates
// a body against the model of its declared media type only).
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_ENVIRONMENT, lambdaContext, PROVIDERS_RESOURCE, routeEvent } from '../../support/api-events.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  Object.assign(process.env, API_ENVIRONMENT);
  ({ handler } = await import('../../../functions/api/handler.js'));
});

beforeEach(() => {
  dynamo.reset();
  sfn.reset();
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(GetCommand).resolves({});
  dynamo.on(PutCommand).resolves({});
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date('2026-11-28T00:00:00Z') });
});

const list = (limit: string) =>
  handler(routeEvent('GET', PROVIDERS_RESOURCE, { workspace: 'payments' }, { queryStringParameters: { limit } }), lambdaContext());

describe('limit is a page size written in digits, from 1 to 100', () => {
  it.each([
    ['an exponent', '1e1'],
    ['hexadecimal', '0x10'],
    ['leading spaces', '  5'],
    ['a trailing space', '5 '],
    ['a sign', '+5'],
    ['a decimal point', '5.0'],
    ['a negative number', '-1'],
    ['nothing', ''],
    ['zero', '0'],
    ['101', '101'],
  ])('refuses %s with 400 naming limit, without querying', async (_label, limit) => {
    // Act
    const response = await list(limit);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'The query has invalid parameters',
      details: [{ field: 'limit', issue: 'an integer from 1 to 100, in digits' }],
    });
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['1', 1],
    ['100', 100],
    ['007', 7],
  ])('accepts %s as a page of %i', async (limit, pageSize) => {
    // Act
    const response = await list(limit);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { Limit: pageSize });
  });
});

const BODY = JSON.stringify({ name: 'dev', accountId: '123456789012' });
const postAs = (headers: Record<string, string>) =>
  handler(routeEvent('POST', PROVIDERS_RESOURCE, { workspace: 'payments' }, { headers: { Host: 'api.example.com', ...headers }, body: BODY }), lambdaContext());

describe('POST /workspaces/{workspace}/providers takes its body as application/json only', () => {
  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['a JSON-like vendor type', { 'Content-Type': 'application/vnd.api+json' }],
  ])('refuses a valid JSON body sent as %s with 415, writing nothing and starting nothing', async (_label, headers) => {
    // Act
    const response = await postAs(headers);

    // Assess
    expect(response.statusCode).toBe(415);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message: 'The request body must be sent as application/json',
        details: [{ field: 'content-type', issue: 'must be application/json' }],
      },
    });
    expect(dynamo).not.toHaveReceivedAnyCommand();
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['application/json', { 'Content-Type': 'application/json' }],
    ['application/json with a charset, in any case', { 'content-type': 'Application/JSON; charset=utf-8' }],
    ['no Content-Type (API Gateway takes it as application/json)', {}],
  ])('accepts %s', async (_label, headers) => {
    // Act
    const response = await postAs(headers);

    // Assess
    expect(response.statusCode).toBe(202);
  });
});
