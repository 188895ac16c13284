// AWS Signature Version 4 verification (header form), so that the local cloud authenticates
// callers the way AWS does: the access key names the principal, the signature proves the secret.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AwsServiceError } from './types.js';

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface ParsedAuthorization {
  accessKeyId: string;
  /** yyyymmdd */
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** The parts of an HTTP request that SigV4 covers. */
export interface SignableRequest {
  method: string;
  /** The raw request target as received: path plus optional `?query`, still percent-encoded. */
  url: string;
  /** Header names in any case; Node's IncomingMessage.headers fits. */
  headers: Record<string, string | string[] | undefined>;
  body: string | Buffer;
}

export interface VerifiedSignature extends ParsedAuthorization {
  /** x-amz-security-token, when the caller used temporary credentials. */
  sessionToken?: string;
}

/** What a signature must satisfy besides being made with the caller's secret. */
export interface SignatureRules {
  /** The region the credential scope must name: the one region the local cloud runs. */
  region: string;
  /** The signing name the credential scope must name (sts, dynamodb, execute-api, ...). */
  service: string;
  /** The receiving clock, epoch ms: AWS refuses a request signed more than 15 minutes away from it. */
  now: number;
  /**
   * Which payload hash the canonical request carries: `declared` takes x-amz-content-sha256 when
   * the client sent one (and checks it against the body when it is a hash), as the AWS endpoints
   * do; `body` always hashes the body received, as API Gateway does, so UNSIGNED-PAYLOAD or a
   * stale declared hash no longer matches the signature.
   */
  payloadHash: 'declared' | 'body';
}

/** AWS's allowed clock skew between a request's signing time and the receiving clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;

/**
 * Parses `AWS4-HMAC-SHA256 Credential=AKID/yyyymmdd/region/service/aws4_request, SignedHeaders=a;b, Signature=hex`.
 * Returns undefined when the header is absent; throws IncompleteSignature when it is malformed.
 */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (!trimmed.startsWith(`${SIGV4_ALGORITHM} `)) {
    throw new AwsServiceError('IncompleteSignature', `Unsupported authorization type; only ${SIGV4_ALGORITHM} is accepted`, 400);
  }
  const fields = new Map<string, string>();
  for (const part of trimmed.slice(SIGV4_ALGORITHM.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    throw new AwsServiceError(
      'IncompleteSignature',
      `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. Authorization=${trimmed}`,
      400,
    );
  }
  const scope = credential.split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || !/^\d{8}$/.test(scope[1] ?? '')) {
    throw new AwsServiceError('IncompleteSignature', `Credential should be scoped to a valid region: ${credential}`, 400);
  }
  const [accessKeyId, date, region, service] = scope as [string, string, string, string, string];
  return {
    accessKeyId,
    date,
    region,
    service,
    signedHeaders: signedHeaders.split(';').filter((name) => name !== ''),
    signature,
  };
}

/** RFC 3986 escaping as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The canonical URI: the path as the client put it on the wire, normalised (empty, `.` and `..`
 * segments removed) and escaped once more, which is what every service but S3 expects.
 */
export function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalised = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalised).replace(/%2F/g, '/');
}

/** The canonical query string: decoded pairs re-escaped, sorted by key then value; X-Amz-Signature excluded. */
export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    if (key.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([escapeUri(key), escapeUri(value)]);
  }
  pairs.sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function headerValue(headers: SignableRequest['headers'], name: string): string | undefined {
  const direct = headers[name];
  if (direct !== undefined) return Array.isArray(direct) ? direct.join(',') : direct;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && value !== undefined) return Array.isArray(value) ? value.join(',') : value;
  }
  return undefined;
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** The canonical request of SigV4 (task 1 of the spec). */
export function canonicalRequest(request: SignableRequest, signedHeaders: string[], payloadHash: SignatureRules['payloadHash']): string {
  const q = request.url.indexOf('?');
  const rawPath = q < 0 ? request.url : request.url.slice(0, q);
  const rawQuery = q < 0 ? '' : request.url.slice(q + 1);
  const headerLines = signedHeaders.map((name) => {
    const value = headerValue(request.headers, name) ?? '';
    return `${name}:${value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').trim()}`;
  });
  const declaredHash = payloadHash === 'declared' ? headerValue(request.headers, 'x-amz-content-sha256') : undefined;
  return [
    request.method.toUpperCase(),
    canonicalPath(rawPath || '/'),
    canonicalQuery(rawQuery),
    headerLines.join('\n') + '\n',
    signedHeaders.join(';'),
    declaredHash ?? (request.body.length === 0 ? EMPTY_SHA256 : sha256Hex(request.body)),
  ].join('\n');
}

/** Signing keys by secret and scope: as the SDKs do, derived once per day, region and service. */
const signingKeys = new Map<string, Buffer>();
/** Enough for every live key of a busy local cloud; past it the cache starts over. */
const MAX_SIGNING_KEYS = 2_000;

function signingKey(secretAccessKey: string, auth: Pick<ParsedAuthorization, 'date' | 'region' | 'service'>): Buffer {
  const cacheKey = `${secretAccessKey}\n${auth.date}\n${auth.region}\n${auth.service}`;
  const cached = signingKeys.get(cacheKey);
  if (cached !== undefined) return cached;
  let key: Buffer = hmac(`AWS4${secretAccessKey}`, auth.date);
  for (const part of [auth.region, auth.service, 'aws4_request']) key = hmac(key, part);
  if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.clear();
  signingKeys.set(cacheKey, key);
  return key;
}

/** The signature a holder of `secretAccessKey` would compute for `request`. */
export function computeSignature(
  request: SignableRequest,
  auth: Pick<ParsedAuthorization, 'date' | 'region' | 'service' | 'signedHeaders'>,
  secretAccessKey: string,
  payloadHash: SignatureRules['payloadHash'],
): string {
  const amzDate = headerValue(request.headers, 'x-amz-date') ?? headerValue(request.headers, 'date') ?? '';
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = [SIGV4_ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest(request, auth.signedHeaders, payloadHash))].join('\n');
  return createHmac('sha256', signingKey(secretAccessKey, auth)).update(stringToSign, 'utf8').digest('hex');
}

/** `yyyymmddThhmmssZ`, the form of x-amz-date and of AWS's messages about signing time. */
function basicIso(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** When the request was signed: x-amz-date, or else the Date header; undefined when neither parses. */
function signingTime(headers: SignableRequest['headers']): { epochMs: number; text: string } | undefined {
  const amzDate = headerValue(headers, 'x-amz-date');
  if (amzDate !== undefined) {
    const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate.trim());
    if (match === null) return undefined;
    const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
    return { epochMs: Date.UTC(y, mo - 1, d, h, mi, s), text: amzDate.trim() };
  }
  const date = headerValue(headers, 'date');
  const epochMs = date !== undefined ? Date.parse(date) : Number.NaN;
  return Number.isNaN(epochMs) ? undefined : { epochMs, text: basicIso(epochMs) };
}

/** SignatureDoesNotMatch is what the query protocol calls every refused signature; other protocols rename it. */
function signatureRefused(message: string): AwsServiceError {
  return new AwsServiceError('SignatureDoesNotMatch', message, 403);
}

/** The credential scope must name the receiving region and service, as AWS checks before anything else. */
function checkScope(auth: ParsedAuthorization, rules: SignatureRules): void {
  if (auth.region !== rules.region) throw signatureRefused(`Credential should be scoped to a valid region, not '${auth.region}'.`);
  if (auth.service !== rules.service) throw signatureRefused(`Credential should be scoped to correct service: '${rules.service}'.`);
}

/** The signing time must be present, agree with the scope's date and lie within 15 minutes of `now`. */
function checkSigningTime(request: SignableRequest, auth: ParsedAuthorization, now: number, authorization: string): void {
  const signed = signingTime(request.headers);
  if (signed === undefined) {
    throw new AwsServiceError('IncompleteSignature', `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${authorization}`, 400);
  }
  if (signed.text.slice(0, 8) !== auth.date) {
    throw signatureRefused(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${signed.text.slice(0, 8)}', from '${signed.text}'.`,
    );
  }
  if (signed.epochMs < now - MAX_CLOCK_SKEW_MS) {
    throw signatureRefused(`Signature expired: ${signed.text} is now earlier than ${basicIso(now - MAX_CLOCK_SKEW_MS)} (${basicIso(now)} - 15 min.)`);
  }
  if (signed.epochMs > now + MAX_CLOCK_SKEW_MS) {
    throw signatureRefused(`Signature not yet current: ${signed.text} is still later than ${basicIso(now + MAX_CLOCK_SKEW_MS)} (${basicIso(now)} + 15 min.)`);
  }
}

/**
 * Verifies the request's signature. `lookupSecret` returns the secret for an access key id, or
 * undefined for an unknown key. Returns undefined for an unsigned request (the caller decides
 * whether that is acceptable); throws AwsServiceError, with the query protocol's codes, on a
 * malformed header, a scope naming another region or service, a signing time outside AWS's
 * 15 minutes of skew, an unknown key and a bad signature.
 */
export function verifySignature(
  request: SignableRequest,
  lookupSecret: (accessKeyId: string) => string | undefined,
  rules: SignatureRules,
): VerifiedSignature | undefined {
  const authorization = headerValue(request.headers, 'authorization');
  const auth = parseAuthorization(authorization);
  if (auth === undefined || authorization === undefined) return undefined;
  if (!auth.signedHeaders.includes('host')) {
    throw new AwsServiceError('IncompleteSignature', "'Host' must be a signed header", 400);
  }
  checkScope(auth, rules);
  checkSigningTime(request, auth, rules.now, authorization.trim());
  const secret = lookupSecret(auth.accessKeyId);
  if (secret === undefined) {
    throw new AwsServiceError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
  }
  const expected = Buffer.from(computeSignature(request, auth, secret, rules.payloadHash), 'utf8');
  const actual = Buffer.from(auth.signature, 'utf8');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw signatureRefused(
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  // A declared payload hash is signed, but only proves the body if it matches it.
  const declaredHash = rules.payloadHash === 'declared' ? headerValue(request.headers, 'x-amz-content-sha256') : undefined;
  if (declaredHash !== undefined && /^[0-9a-f]{64}$/i.test(declaredHash) && declaredHash.toLowerCase() !== sha256Hex(request.body)) {
    throw new AwsServiceError('XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.', 400);
  }
  const sessionToken = headerValue(request.headers, 'x-amz-security-token');
  return sessionToken === undefined ? auth : { ...auth, sessionToken };
}
