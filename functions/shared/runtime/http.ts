// API responses: JSON bodies and the one error shape of the API contract.
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { FieldIssue } from '../domain/provider-request.js';

export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'INVALID_JSON'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL';

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(
  statusCode: number,
  code: ErrorCode,
  message: string,
  details: FieldIssue[] = [],
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return json(statusCode, { error: { code, message, details } }, headers);
}
