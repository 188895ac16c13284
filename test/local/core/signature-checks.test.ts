// The AWS endpoint refuses what AWS refuses before any service sees the request: a signature older
// or newer than AWS's 15 minutes of clock skew, and a credential scope naming another region or
// service. Each protocol answers in its own words: the query services (IAM, STS) with 403
// SignatureDoesNotMatch, the JSON services with InvalidSignatureException.
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonResponse } from '../../../local/core/protocol.js';
import { startServer, type LocalServer } from '../../../local/core/server.js';
import { LocalIam } from '../../../local/iam/index.js';
import { NodeSha256 } from '../../../local/signed-fetch.js';

/** The endpoint's clock in these tests. */
const NOW = Date.parse('2026-03-01T12:00:00Z');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

let iam: LocalIam;
let server: LocalServer;
const reached: string[] = [];

beforeAll(async () => {
  iam = new LocalIam({ now: () => NOW });
  server = await startServer({
    port: 0,
    region: 'us-east-1',
    now: () => NOW,
    credentials: (accessKeyId) => iam.resolveCredentials(accessKeyId),
    handlers: {
      sts: (request) => {
        reached.push(`sts.${request.action}`);
        return iam.handleSts(request);
      },
      dynamodb: async (request) => {
        reached.push(`dynamodb.${request.action}`);
        return jsonResponse({ TableNames: [] });
      },
    },
  });
});

afterAll(async () => {
  await server.close();
});

interface SignedCall {
  service: string;
  region?: string;
  signedAt: number;
  headers: Record<string, string>;
  body: string;
}

/** A request signed by the local administrator at `signedAt`, sent to the endpoint as is. */
async function send(call: SignedCall): Promise<{ status: number; text: string }> {
  const url = new URL(server.url);
  const signer = new SignatureV4({ service: call.service, region: call.region ?? 'us-east-1', sha256: NodeSha256, credentials: iam.adminCredentials() });
  const signed = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', headers: { host: url.host, ...call.headers }, body: call.body },
    { signingDate: new Date(call.signedAt) },
  );
  const response = await fetch(server.url, { method: 'POST', headers: signed.headers, body: call.body });
  return { status: response.status, text: await response.text() };
}

const getCallerIdentity = (signedAt: number, region?: string): SignedCall => ({
  service: 'sts',
  signedAt,
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'Action=GetCallerIdentity&Version=2011-06-15',
  ...(region !== undefined ? { region } : {}),
});

const listTables = (signedAt: number, service = 'dynamodb'): SignedCall => ({
  service,
  signedAt,
  headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables' },
  body: '{}',
});

function queryErrorOf(text: string): { code: string | undefined; message: string | undefined } {
  return { code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], message: /<Message>([^<]*)<\/Message>/.exec(text)?.[1] };
}

describe('signature age: AWS allows 15 minutes of clock skew either way', () => {
  it('refuses an STS call signed 400 days ago with 403 SignatureDoesNotMatch "Signature expired"', async () => {
    // Prepare
    const before = reached.length;
    // Act
    const response = await send(getCallerIdentity(NOW - 400 * DAY));
    // Assess
    expect(response.status).toBe(403);
    expect(queryErrorOf(response.text)).toEqual({
      code: 'SignatureDoesNotMatch',
      message: 'Signature expired: 20250125T120000Z is now earlier than 20260301T114500Z (20260301T120000Z - 15 min.)',
    });
    expect(reached.length).toBe(before);
  });

  it('refuses a DynamoDB call signed 16 minutes ahead with 400 InvalidSignatureException "Signature not yet current"', async () => {
    // Act
    const response = await send(listTables(NOW + 16 * MINUTE));
    // Assess
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({
      __type: 'InvalidSignatureException',
      message: 'Signature not yet current: 20260301T121600Z is still later than 20260301T121500Z (20260301T120000Z + 15 min.)',
    });
  });

  it('accepts signatures 14 minutes old and 14 minutes ahead', async () => {
    // Act
    const late = await send(getCallerIdentity(NOW - 14 * MINUTE));
    const early = await send(listTables(NOW + 14 * MINUTE));
    // Assess
    expect(late.status).toBe(200);
    expect(early.status).toBe(200);
  });
});

describe('credential scope: the region and the service it names', () => {
  it('refuses an SDK client signing for eu-west-9 with SignatureDoesNotMatch about the scope', async () => {
    // Prepare
    const sts = new STSClient({ endpoint: server.url, region: 'eu-west-9', credentials: iam.adminCredentials(), maxAttempts: 1 });
    // Act
    const attempt = sts.send(new GetCallerIdentityCommand({}));
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch',
      message: "Credential should be scoped to a valid region, not 'eu-west-9'.",
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('refuses a JSON-protocol SDK client signing for eu-west-9 with InvalidSignatureException', async () => {
    // Prepare
    const dynamodb = new DynamoDBClient({ endpoint: server.url, region: 'eu-west-9', credentials: iam.adminCredentials(), maxAttempts: 1 });
    // Act
    const attempt = dynamodb.send(new ListTablesCommand({}));
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      message: "Credential should be scoped to a valid region, not 'eu-west-9'.",
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses a DynamoDB request whose scope names another service', async () => {
    // Act
    const response = await send(listTables(NOW, 'lambda'));
    // Assess
    expect(response.status).toBe(400);
    expect(JSON.parse(response.text)).toEqual({ __type: 'InvalidSignatureException', message: "Credential should be scoped to correct service: 'dynamodb'." });
  });
});
