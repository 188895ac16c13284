// A supplied External ID can be guessable. A log line carrying any unkeyed derivative of it (a
// plain SHA-256, even truncated) would let whoever reads the logs confirm a guess offline, so the
// API logs where the External ID came from, and nothing computed from it.
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_ENVIRONMENT, lambdaContext, PROVIDERS_RESOURCE, routeEvent } from '../../support/api-events.js';
import { captureOutput, type CapturedOutput } from '../../support/output-capture.js';
import { providerRecord } from '../../support/provider-records.js';

const GUESSABLE_ID = 'portal-external-id-0001';
/** SHA-256 of GUESSABLE_ID, hex and base64: what an offline guess would be compared with. */
const SHA256_HEX = '04d19b8bc704002e2f7d4673923a278b3e99bf6ac50c3601f66f7f6466318a8f';
const SHA256_BASE64 = 'BNGbi8cEAC4vfUZzkjoniz6Zv2rFDDYB9m9/ZGYxio8=';

const dynamo = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
let handler: (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
let output: CapturedOutput;

beforeAll(async () => {
  Object.assign(process.env, API_ENVIRONMENT, { POWERTOOLS_LOG_LEVEL: 'DEBUG' });
  ({ handler } = await import('../../../functions/api/handler.js'));
});

beforeEach(() => {
  dynamo.reset();
  sfn.reset();
  sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn', startDate: new Date('2026-11-28T00:00:00Z') });
  output = captureOutput();
});

afterEach(() => {
  output.restore();
});

const post = (body: Record<string, unknown>) => handler(routeEvent('POST', PROVIDERS_RESOURCE, { workspace: 'payments' }, { body: JSON.stringify(body) }), lambdaContext());
const request = { name: 'dev', accountId: '123456789012', externalId: GUESSABLE_ID };

/** Every way a log could carry the ID or an unkeyed hash of it (any 8 hex digits of the SHA-256). */
function derivativesIn(text: string): string[] {
  const hexWindows = Array.from({ length: SHA256_HEX.length - 7 }, (_, i) => SHA256_HEX.slice(i, i + 8));
  return [GUESSABLE_ID, 'sha256:', SHA256_BASE64.slice(0, 12), ...hexWindows].filter((needle) => text.includes(needle));
}

describe('the API logs no derivative of an External ID', () => {
  it('accepting a new provider logs the External ID source only', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});
    dynamo.on(PutCommand).resolves({});

    // Act
    const response = await post(request);

    // Assess
    expect(response.statusCode).toBe(202);
    const accepted = output.jsonLines().filter((line) => line.message === 'Provider request accepted');
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({ outcome: 'started', status: 'PENDING', externalIdSource: 'supplied' });
    expect(accepted[0]).not.toHaveProperty('externalId');
    expect(derivativesIn(output.text())).toEqual([]);
  });

  it('answering a repeated create logs the External ID source only', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({ Item: providerRecord({ externalId: GUESSABLE_ID }) });

    // Act
    const response = await post(request);

    // Assess
    expect(response.statusCode).toBe(202);
    expect(output.jsonLines().filter((line) => line.message === 'Provider request accepted')).toHaveLength(1);
    expect(derivativesIn(output.text())).toEqual([]);
  });
});
