// The REST API (execute-api) authenticates like API Gateway: a signature outside AWS's 15 minutes of
// clock skew or scoped to another region is refused, and the payload hash in the canonical request
// is always the hash of the body received, so a request signed as UNSIGNED-PAYLOAD, or whose body
// was swapped after signing, does not match its signature. None of them reaches the integration.
import { createHash } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalApiGateway, type ProxyEvent } from '../../../local/apigateway/index.js';
import type { CallerIdentity } from '../../../local/core/types.js';
import { NodeSha256 } from '../../../local/signed-fetch.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const DAY = 24 * 60 * 60_000;
const PORTAL: CallerIdentity = {
  accessKeyId: 'ASIAPORTAL',
  accountId: '000000000000',
  arn: 'arn:aws:sts::000000000000:assumed-role/portal/alice',
  principalType: 'assumed-role',
  roleArn: 'arn:aws:iam::000000000000:role/portal',
  sessionName: 'alice',
};
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const BENIGN = '{"workspace":"payments","name":"dev","accountId":"222233334444"}';
const SWAPPED = '{"workspace":"payments","name":"dev","accountId":"222233334444","externalId":"attacker-chosen-external-id"}';

let api: LocalApiGateway;
const invoked: ProxyEvent[] = [];

beforeAll(async () => {
  api = new LocalApiGateway({
    accountId: '000000000000',
    region: 'us-east-1',
    port: 0,
    now: () => NOW,
    credentials: (akid) => (akid === PORTAL.accessKeyId ? { secretAccessKey: 'portal-secret', identity: PORTAL } : undefined),
    authorize: () => undefined,
    invoke: async (_arn, event) => {
      invoked.push(event);
      return { payload: { statusCode: 202, body: '{}' } };
    },
  });
  api.registerApi({
    apiId: 'abc123defg',
    name: 'providers',
    stageName: 'prod',
    routes: [{ httpMethod: 'POST', resourcePath: '/providers', authorizationType: 'AWS_IAM', integrationType: 'AWS_PROXY', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:api' }],
  });
  await api.start();
});

afterAll(async () => {
  await api.close();
});

interface Post {
  signedBody: string;
  sentBody?: string;
  signedAt?: number;
  region?: string;
  headers?: Record<string, string>;
}

/** POST /prod/providers signed over `signedBody` and sent with `sentBody`. */
async function post({ signedBody, sentBody = signedBody, signedAt = NOW, region = 'us-east-1', headers = {} }: Post) {
  const url = new URL('/prod/providers', api.url);
  const signer = new SignatureV4({ service: 'execute-api', region, sha256: NodeSha256, credentials: { accessKeyId: PORTAL.accessKeyId, secretAccessKey: 'portal-secret', sessionToken: 'tok' } });
  const signed = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, headers: { host: url.host, 'content-type': 'application/json', ...headers }, body: signedBody },
    { signingDate: new Date(signedAt) },
  );
  const response = await fetch(url, { method: 'POST', headers: signed.headers, body: sentBody });
  return { status: response.status, errorType: response.headers.get('x-amzn-errortype'), body: (await response.json()) as unknown };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('signature age and scope on the REST API', () => {
  it('refuses a POST signed 400 days ago with 403 "Signature expired"', async () => {
    // Prepare
    const before = invoked.length;
    // Act
    const response = await post({ signedBody: BENIGN, signedAt: NOW - 400 * DAY });
    // Assess
    expect(response).toEqual({
      status: 403,
      errorType: 'InvalidSignatureException',
      body: { message: 'Signature expired: 20250125T120000Z is now earlier than 20260301T114500Z (20260301T120000Z - 15 min.)' },
    });
    expect(invoked.length).toBe(before);
  });

  it('refuses a credential scoped to eu-west-9 with 403 about the scope', async () => {
    // Act
    const response = await post({ signedBody: BENIGN, region: 'eu-west-9' });
    // Assess
    expect(response).toEqual({ status: 403, errorType: 'InvalidSignatureException', body: { message: "Credential should be scoped to a valid region, not 'eu-west-9'." } });
  });
});

describe('payload hash on the REST API', () => {
  it('refuses a swapped body signed as UNSIGNED-PAYLOAD, and never runs the integration', async () => {
    // Prepare
    const before = invoked.length;
    // Act
    const response = await post({ signedBody: BENIGN, sentBody: SWAPPED, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    // Assess
    expect(response).toEqual({ status: 403, errorType: 'InvalidSignatureException', body: { message: SIGNATURE_MISMATCH } });
    expect(invoked.length).toBe(before);
  });

  it('refuses UNSIGNED-PAYLOAD even with the body unchanged: API Gateway hashes the body it receives', async () => {
    // Act
    const response = await post({ signedBody: BENIGN, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    // Assess
    expect(response).toEqual({ status: 403, errorType: 'InvalidSignatureException', body: { message: SIGNATURE_MISMATCH } });
  });

  it('refuses a body swapped after signing whose declared hash is the original one', async () => {
    // Act
    const response = await post({ signedBody: BENIGN, sentBody: SWAPPED, headers: { 'x-amz-content-sha256': sha256(BENIGN) } });
    // Assess
    expect(response).toEqual({ status: 403, errorType: 'InvalidSignatureException', body: { message: SIGNATURE_MISMATCH } });
  });

  it('accepts a body whose declared hash is its own, and hands that body to the integration', async () => {
    // Act
    const response = await post({ signedBody: SWAPPED, headers: { 'x-amz-content-sha256': sha256(SWAPPED) } });
    // Assess
    expect(response.status).toBe(202);
    expect(invoked.at(-1)?.body).toBe(SWAPPED);
  });
});
