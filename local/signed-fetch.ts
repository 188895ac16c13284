// SigV4-signed HTTP for the IAM-authenticated REST API: what a portal's backend does, for the
// CLI, the demo, the benchmarks and the end-to-end tests.
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

function toBytes(data: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/** The SDK's checksum interface over node:crypto (SHA-256, or HMAC-SHA-256 with a secret). */
export class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.create();
  }
  private create(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    return createHmac('sha256', typeof this.secret === 'string' ? this.secret : toBytes(this.secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : toBytes(data));
  }
  reset(): void {
    this.hash = this.create();
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignedResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

/**
 * Sends a SigV4-signed (service execute-api) JSON request and parses the JSON answer. `headers`
 * are added to (or override) the defaults, and are signed.
 */
export async function signedFetch(
  url: string,
  init: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  credentials: Credentials,
  region = 'us-east-1',
): Promise<SignedResponse> {
  const target = new URL(url);
  const body = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: NodeSha256 });
  const signed = await signer.sign({
    method: init.method ?? 'GET',
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port ? Number(target.port) : undefined,
    path: target.pathname,
    query: Object.fromEntries(target.searchParams),
    headers: { host: target.host, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body,
  });
  const response = await fetch(url, { method: signed.method, headers: signed.headers as Record<string, string>, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}
