// HTTP answers of the local API Gateway, and its own error bodies: `{"message": ...}` with the
// error type in x-amzn-errortype, as API Gateway answers before or instead of an integration.
import type { ServerResponse } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export function gatewayError(status: number, errorType: string, message: string): HttpAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': errorType },
    body: Buffer.from(JSON.stringify({ message })),
  };
}

/** API Gateway's answer to an unsigned request, and to a route or API that does not exist. */
export function missingToken(): HttpAnswer {
  return gatewayError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
}

/** 500 when the gateway itself fails, 502 when the integration did. */
export function internalServerError(status: 500 | 502): HttpAnswer {
  return gatewayError(status, 'InternalServerErrorException', 'Internal server error');
}

export function send(res: ServerResponse, answer: HttpAnswer): void {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
  res.end(answer.body);
}
