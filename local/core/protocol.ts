// Wire encodings of AWS responses: the query protocol (IAM, STS: XML) and the JSON protocols.
import { randomUUID } from 'node:crypto';
import { AwsServiceError, type AwsResponse, type ServiceName } from './types.js';

const QUERY_NAMESPACES: Partial<Record<ServiceName, string>> = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
};

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `<Tag>value</Tag>` with escaping; undefined values are omitted. */
export function xmlElement(tag: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${tag}>${escapeXml(String(value))}</${tag}>`;
}

/** A query-protocol success: <ActionResponse><ActionResult>...</ActionResult><ResponseMetadata/></ActionResponse>. */
export function queryResponse(service: ServiceName, action: string, resultXml: string): AwsResponse {
  const ns = QUERY_NAMESPACES[service] ?? '';
  const body =
    `<${action}Response xmlns="${ns}">` +
    (resultXml === '' ? '' : `<${action}Result>${resultXml}</${action}Result>`) +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>` +
    `</${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml' }, body };
}

/** A query-protocol error: <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>. */
export function queryError(service: ServiceName, error: AwsServiceError): AwsResponse {
  const ns = QUERY_NAMESPACES[service] ?? '';
  const body =
    `<ErrorResponse xmlns="${ns}"><Error>` +
    xmlElement('Type', error.fault) +
    xmlElement('Code', error.code) +
    xmlElement('Message', error.message) +
    `</Error>${xmlElement('RequestId', randomUUID())}</ErrorResponse>`;
  return { status: error.status, headers: { 'content-type': 'text/xml' }, body };
}

/** A JSON-protocol success (awsJson1_0 / awsJson1_1). */
export function jsonResponse(payload: unknown, status = 200): AwsResponse {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(payload ?? {}),
  };
}

/** A JSON-protocol error: `__type` carries the code, as the SDK's deserializers expect. */
export function jsonError(error: AwsServiceError): AwsResponse {
  return {
    status: error.status,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      'x-amzn-errortype': error.code,
    },
    body: JSON.stringify({ __type: error.code, message: error.message }),
  };
}

/** What the JSON protocols call the query protocol's authentication errors (as DynamoDB, EventBridge, Lambda... answer). */
const JSON_AUTHENTICATION_CODES: Record<string, string> = {
  SignatureDoesNotMatch: 'InvalidSignatureException',
  InvalidClientTokenId: 'UnrecognizedClientException',
  IncompleteSignature: 'IncompleteSignatureException',
};

/**
 * A refused signature in the words of the service's protocol: the query services (IAM, STS) keep
 * SignatureDoesNotMatch / InvalidClientTokenId (403); the JSON services answer
 * InvalidSignatureException / UnrecognizedClientException, with 400 (Lambda's REST API: 403).
 */
export function authenticationError(service: ServiceName, error: AwsServiceError): AwsServiceError {
  if (service === 'iam' || service === 'sts') return error;
  const code = JSON_AUTHENTICATION_CODES[error.code];
  if (code === undefined) return error;
  return new AwsServiceError(code, error.message, service === 'lambda' ? 403 : 400);
}

/** Wraps any thrown value as an AwsServiceError (unknown failures become 500 InternalFailure). */
export function asAwsError(error: unknown): AwsServiceError {
  if (error instanceof AwsServiceError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AwsServiceError('InternalFailure', message, 500);
}
