import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../../local/signed-fetch.js';
import { describe, expect, it } from 'vitest';
import { canonicalPath, canonicalQuery, parseAuthorization, verifySignature } from '../../../local/core/sigv4.js';
import { AwsServiceError } from '../../../local/core/types.js';

const SECRETS: Record<string, string> = { AKIDEXAMPLE: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const lookup = (akid: string) => SECRETS[akid];
/** What the endpoint of `service` checks besides the secret; these requests are signed just now. */
const rules = (service: string) => ({ region: 'us-east-1', service, now: Date.now(), payloadHash: 'declared' as const });

async function sign(opts: {
  service: string;
  method?: string;
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  secret?: string;
  sessionToken?: string;
}) {
  const signer = new SignatureV4({
    service: opts.service,
    region: 'us-east-1',
    sha256: NodeSha256,
    credentials: {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: opts.secret ?? SECRETS.AKIDEXAMPLE!,
      ...(opts.sessionToken ? { sessionToken: opts.sessionToken } : {}),
    },
  });
  const signed = await signer.sign({
    method: opts.method ?? 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4566,
    path: opts.path,
    query: opts.query ?? {},
    headers: { host: '127.0.0.1:4566', ...(opts.headers ?? {}) },
    body: opts.body,
  });
  const qs = Object.entries(opts.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  // What a Node server sees: lower-case header names and the raw request target.
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
  return { method: signed.method, url: qs ? `${opts.path}?${qs}` : opts.path, headers, body: opts.body ?? '' };
}

describe('parseAuthorization', () => {
  it('splits the credential scope, signed headers and signature', () => {
    // Prepare
    const header =
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7';
    // Act
    const parsed = parseAuthorization(header);
    // Assess
    expect(parsed).toEqual({
      accessKeyId: 'AKIDEXAMPLE',
      date: '20150830',
      region: 'us-east-1',
      service: 'iam',
      signedHeaders: ['content-type', 'host', 'x-amz-date'],
      signature: '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    });
  });

  it('returns undefined without a header and rejects other schemes', () => {
    // Prepare / Act / Assess
    expect(parseAuthorization(undefined)).toBeUndefined();
    expect(() => parseAuthorization('Basic dXNlcjpwYXNz')).toThrow(AwsServiceError);
    expect(() => parseAuthorization('AWS4-HMAC-SHA256 Credential=AKID/2015/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=x')).toThrow(/Credential/);
  });
});

describe('canonical URI and query', () => {
  it('escapes an already encoded path once more and normalises segments', () => {
    // Prepare
    const raw = '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Af/invocations';
    // Act
    const path = canonicalPath(raw);
    // Assess
    expect(path).toBe('/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A000000000000%253Afunction%253Af/invocations');
    expect(canonicalPath('/a/./b/../c/')).toBe('/a/c/');
  });

  it('sorts and re-escapes the query, dropping X-Amz-Signature', () => {
    // Prepare / Act
    const query = canonicalQuery('b=2&a=x%20y&X-Amz-Signature=abc&a=1');
    // Assess
    expect(query).toBe('a=1&a=x%20y&b=2');
  });
});

describe('verifySignature against @smithy/signature-v4', () => {
  it('accepts a query-protocol (IAM) request signed by the SDK signer', async () => {
    // Prepare
    const request = await sign({
      service: 'iam',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: 'Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=%7B%7D',
    });
    // Act
    const verified = verifySignature(request, lookup, rules('iam'));
    // Assess
    expect(verified).toMatchObject({ accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'iam' });
  });

  it('accepts an encoded Lambda path, a query string and UNSIGNED-PAYLOAD', async () => {
    // Prepare
    const request = await sign({
      service: 'lambda',
      path: '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Afn/invocations',
      query: { Qualifier: '$LATEST', 'weird key': 'a b/c' },
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-invocation-type': 'RequestResponse' },
      body: '{"hello":"world"}',
    });
    // Act
    const verified = verifySignature(request, lookup, rules('lambda'));
    // Assess
    expect(verified?.service).toBe('lambda');
  });

  it('reports the session token of temporary credentials', async () => {
    // Prepare
    const request = await sign({ service: 'dynamodb', path: '/', body: '{}', sessionToken: 'TOKEN123' });
    // Act
    const verified = verifySignature(request, lookup, rules('dynamodb'));
    // Assess
    expect(verified?.sessionToken).toBe('TOKEN123');
  });

  it('rejects a signature made with the wrong secret as 403 SignatureDoesNotMatch', async () => {
    // Prepare
    const request = await sign({ service: 'sts', path: '/', body: 'Action=GetCallerIdentity', secret: 'not-the-secret' });
    // Act
    const attempt = () => verifySignature(request, lookup, rules('sts'));
    // Assess
    expect(attempt).toThrow(expect.objectContaining({ code: 'SignatureDoesNotMatch', status: 403 }));
  });

  it('rejects a body altered after signing', async () => {
    // Prepare
    const request = await sign({ service: 'events', path: '/', body: '{"Entries":[]}' });
    // Act
    const { 'x-amz-content-sha256': _declared, ...withoutDeclaredHash } = request.headers;
    const tampered = () => verifySignature({ ...request, body: '{"Entries":[{}]}' }, lookup, rules('events'));
    const tamperedUndeclared = () => verifySignature({ ...request, headers: withoutDeclaredHash, body: '{"Entries":[{}]}' }, lookup, rules('events'));
    // Assess
    expect(tampered).toThrow(expect.objectContaining({ code: 'XAmzContentSHA256Mismatch' }));
    // Without the declared hash the header list no longer matches either: the signature fails.
    expect(tamperedUndeclared).toThrow(expect.objectContaining({ code: 'SignatureDoesNotMatch' }));
  });

  it('rejects an unknown access key as InvalidClientTokenId and lets unsigned requests through as undefined', async () => {
    // Prepare
    const request = await sign({ service: 'sts', path: '/', body: 'Action=GetCallerIdentity' });
    // Act
    const unknown = () => verifySignature(request, () => undefined, rules('sts'));
    const unsigned = verifySignature({ method: 'POST', url: '/', headers: {}, body: '' }, lookup, rules('sts'));
    // Assess
    expect(unknown).toThrow(expect.objectContaining({ code: 'InvalidClientTokenId', status: 403 }));
    expect(unsigned).toBeUndefined();
  });
});
