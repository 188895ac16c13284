// CloudFormation's side of custom resources: the pre-signed ResponseURL each request carries (an S3
// object in AWS; a path on the local endpoint here) and the answer the resource's function PUTs to it.

/** What a custom resource's function PUTs to its ResponseURL. */
export interface CustomResourceResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  NoEcho?: boolean;
  Data?: Record<string, unknown>;
}

/** The local endpoint's path of the pre-signed URLs (outside every service's routes). */
export const RESPONSE_PATH_PREFIX = '/_local/cloudformation/responses/';

/** What PUT answers: S3's empty 200, or its errors for a URL that expects nothing (or a body it cannot read). */
export interface PutOutcome {
  status: number;
  message?: string;
}

export class CustomResourceResponses {
  private readonly pending = new Map<string, (response: CustomResourceResponse) => void>();

  constructor(private readonly endpointUrl: () => string) {}

  /** A one-time ResponseURL, and the answer PUT to it. */
  expect(requestId: string): { url: string; answer: Promise<CustomResourceResponse>; cancel(): void } {
    const token = `${requestId}-${crypto.randomUUID()}`;
    const answer = new Promise<CustomResourceResponse>((resolve) => this.pending.set(token, resolve));
    return { url: `${this.endpointUrl()}${RESPONSE_PATH_PREFIX}${token}`, answer, cancel: () => void this.pending.delete(token) };
  }

  /** A PUT to `path`: the answer of the request it was issued for (once; a URL used or unknown is 403, as an expired S3 URL). */
  receive(path: string, body: string): PutOutcome {
    const token = path.slice(RESPONSE_PATH_PREFIX.length);
    const resolve = this.pending.get(token);
    if (resolve === undefined) return { status: 403, message: 'Request has expired or the URL is unknown' };
    let response: CustomResourceResponse;
    try {
      response = parseResponse(body);
    } catch (error) {
      return { status: 400, message: error instanceof Error ? error.message : String(error) };
    }
    this.pending.delete(token);
    resolve(response);
    return { status: 200 };
  }
}

function parseResponse(body: string): CustomResourceResponse {
  const parsed = JSON.parse(body) as Partial<CustomResourceResponse>;
  if (parsed.Status !== 'SUCCESS' && parsed.Status !== 'FAILED') throw new Error('Status must be SUCCESS or FAILED');
  for (const field of ['PhysicalResourceId', 'StackId', 'RequestId', 'LogicalResourceId'] as const) {
    if (typeof parsed[field] !== 'string' || parsed[field] === '') throw new Error(`${field} is required`);
  }
  // CloudFormation refuses a response body over 4,096 bytes.
  if (Buffer.byteLength(body, 'utf8') > 4096) throw new Error('The response body exceeds 4,096 bytes');
  return parsed as CustomResourceResponse;
}
