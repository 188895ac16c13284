// One API operation: the method and resource API Gateway routes to it, and its handler. The route
// table (routes/index.ts) lists them; a new operation is a new module plus one line there.
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DNS_LABEL } from '../../shared/domain/provider.js';
import type { FieldIssue } from '../../shared/domain/provider-request.js';
import { errorResponse } from '../../shared/runtime/http.js';

export interface ApiRoute {
  method: 'GET' | 'POST' | 'DELETE';
  resource: string;
  handle: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; response: APIGatewayProxyResult };

/**
 * The path's identity parameters, each a DNS label. API Gateway hands them over already decoded:
 * decoding again would turn a valid request for "%25" into a URIError.
 */
export function pathLabels<K extends 'workspace' | 'name'>(event: APIGatewayProxyEvent, keys: readonly K[]): Parsed<Record<K, string>> {
  const values = {} as Record<K, string>;
  const details: FieldIssue[] = [];
  for (const key of keys) {
    const value = event.pathParameters?.[key] ?? '';
    if (DNS_LABEL.test(value)) values[key] = value;
    else details.push({ field: key, issue: `${key} must be 1-63 lower-case letters, digits or hyphens, starting and ending alphanumeric` });
  }
  if (details.length > 0) return { ok: false, response: errorResponse(400, 'VALIDATION_FAILED', 'The path has invalid parameters', details) };
  return { ok: true, value: values };
}

export function headerOf(event: APIGatewayProxyEvent, name: string): string | undefined {
  return Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name)?.[1];
}

/**
 * A JSON request body. API Gateway validates a body against the model of its declared media type
 * only, so a body sent as text/plain reaches the function unvalidated: anything but JSON is 415.
 * Without a Content-Type, API Gateway takes the body as application/json (and validates it).
 */
export function jsonBody(event: APIGatewayProxyEvent): Parsed<unknown> {
  const contentType = headerOf(event, 'content-type');
  if (contentType !== undefined && contentType.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    return {
      ok: false,
      response: errorResponse(415, 'UNSUPPORTED_MEDIA_TYPE', 'The request body must be sent as application/json', [
        { field: 'content-type', issue: 'must be application/json' },
      ]),
    };
  }
  try {
    return { ok: true, value: JSON.parse(event.body ?? '') };
  } catch {
    return {
      ok: false,
      response: errorResponse(400, 'INVALID_JSON', 'The request body must be a JSON object', [{ field: 'body', issue: 'not valid JSON' }]),
    };
  }
}

/** The URL of `path` (already encoded) on the API the request came through. */
export function apiUrlOf(event: APIGatewayProxyEvent, path: string): string {
  const host = headerOf(event, 'host') ?? event.requestContext?.domainName ?? 'localhost';
  const proto = headerOf(event, 'x-forwarded-proto') ?? 'https';
  const stage = event.requestContext?.stage ? `/${event.requestContext.stage}` : '';
  return `${proto}://${host}${stage}${path}`;
}

/** The URL of a provider on the API the request came through. */
export function providerUrlOf(event: APIGatewayProxyEvent, workspace: string, name: string): string {
  return apiUrlOf(event, `/workspaces/${encodeURIComponent(workspace)}/providers/${encodeURIComponent(name)}`);
}

const YAML_TYPES = new Set(['application/yaml', 'application/x-yaml', 'text/yaml']);

/** Whether the Accept header prefers YAML over JSON: the highest q wins, ties go to the first listed. */
export function prefersYaml(accept: string | undefined): boolean {
  let best: { yaml: boolean; q: number } = { yaml: false, q: 0 };
  for (const range of (accept ?? '').split(',')) {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const qParameter = parameters.find((parameter) => parameter.startsWith('q='));
    const q = qParameter === undefined ? 1 : Number(qParameter.slice(2));
    const yaml = YAML_TYPES.has(type);
    if (!yaml && type !== 'application/json' && type !== 'application/*' && type !== '*/*') continue;
    if (Number.isFinite(q) && q > best.q) best = { yaml, q };
  }
  return best.yaml;
}
