// HTTP answers of the local API Gateway, and its own error bodies: `{"message": ...}` with the
// error type in x-amzn-errortype, as API Gateway answers before or instead of an integration.
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** REST API quota: the payload a request may carry (10 MB); larger ones are refused before routing. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** REST API quota: the total combined size of all header values of a request. */
export const MAX_HEADER_VALUES_BYTES = 10_240;
/** How long a refused connection may keep sending before it is cut. */
const LINGER_MS = 5_000;

export function gatewayError(status: number, errorType: string | undefined, message: string): HttpAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json', ...(errorType !== undefined ? { 'x-amzn-errortype': errorType } : {}) },
    body: Buffer.from(JSON.stringify({ message })),
  };
}

/** API Gateway's answer to an unsigned request, and to a route, method or API that does not exist. */
export function missingToken(): HttpAnswer {
  return gatewayError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
}

/** 500 when the gateway itself fails, 502 when the integration did. */
export function internalServerError(status: 500 | 502): HttpAnswer {
  return gatewayError(status, 'InternalServerErrorException', 'Internal server error');
}

/** A payload over the REST API quota: AWS answers in plain text, before any route or authorizer. */
export function payloadTooLarge(): HttpAnswer {
  return { status: 413, headers: { 'content-type': 'text/plain' }, body: Buffer.from(`HTTP content length exceeded ${MAX_PAYLOAD_BYTES} bytes.`) };
}

/** REQUEST_TOO_LARGE: the request does not fit the integration (a Lambda event is at most 6 MB). */
export function requestTooLong(): HttpAnswer {
  return gatewayError(413, undefined, 'Request Too Long');
}

/**
 * Header values over the quota. AWS documents the limit, not the answer's exact body: the local
 * gateway answers 431 in API Gateway's JSON error shape, and never drops the connection unanswered.
 */
export function headersTooLarge(): HttpAnswer {
  return gatewayError(431, undefined, 'Request Header Fields Too Large');
}

export function headerValuesBytes(req: IncomingMessage): number {
  let total = 0;
  for (let i = 1; i < req.rawHeaders.length; i += 2) total += Buffer.byteLength(req.rawHeaders[i]!);
  return total;
}

/** The body, or `undefined` when it exceeds MAX_PAYLOAD_BYTES: then the rest is read and dropped, never held. */
export async function readPayload(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk as Buffer);
  }
  return size <= MAX_PAYLOAD_BYTES ? Buffer.concat(chunks) : undefined;
}

export function send(res: ServerResponse, answer: HttpAnswer): void {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
  res.end(answer.body);
}

/** What a request Node's HTTP parser refused gets; codes other than these keep Node's own answers. */
function unparsableRequestAnswer(code: string | undefined): HttpAnswer {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return headersTooLarge();
    case 'HPE_INVALID_METHOD':
      // API Gateway knows only the methods of its routes: any other is a method with no route.
      return missingToken();
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, headers: {}, body: Buffer.alloc(0) };
    default:
      return { status: 400, headers: {}, body: Buffer.alloc(0) };
  }
}

const answered = new WeakSet<Duplex>();

/**
 * The server's `clientError` listener. Node's default writes a bodiless status and destroys the
 * socket while the client may still be sending, which the client sees as a connection reset. Here
 * the answer is written, the connection half-closed, and what the client still sends is read and
 * dropped (for at most LINGER_MS), so it always reads the answer.
 */
export function answerUnparsable(error: Error & { code?: string }, socket: Duplex): void {
  // The parser stays in error: every further chunk reports the same error again.
  if (answered.has(socket)) return;
  answered.add(socket);
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const answer = unparsableRequestAnswer(error.code);
  const head = [
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}`,
    ...Object.entries(answer.headers).map(([name, value]) => `${name}: ${String(value)}`),
    `content-length: ${answer.body.length}`,
    'connection: close',
    '',
    '',
  ].join('\r\n');
  socket.end(Buffer.concat([Buffer.from(head), answer.body]));
  socket.resume();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
