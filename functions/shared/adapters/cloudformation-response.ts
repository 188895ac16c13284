// CloudFormation's custom resource protocol: the request a custom resource's function receives, and
// the answer it must PUT to the request's pre-signed ResponseURL (else the stack waits an hour).
export interface CustomResourceRequest {
  RequestType: 'Create' | 'Update' | 'Delete';
  ServiceToken: string;
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  ResourceType: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties: Record<string, unknown>;
  OldResourceProperties?: Record<string, unknown>;
}

export interface CustomResourceAnswer {
  Status: 'SUCCESS' | 'FAILED';
  /** Shown in the stack's events; required with FAILED. */
  Reason?: string;
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

/** CloudFormation caps the whole response body at 4,096 bytes; the reason is the part that grows. */
const MAX_REASON_LENGTH = 1_000;

/**
 * PUTs the answer to the ResponseURL. Content-Type is empty: the URL is signed without it, so S3
 * would refuse a request that sends one.
 */
export async function answerCloudFormation(request: CustomResourceRequest, answer: CustomResourceAnswer, put: typeof fetch = fetch): Promise<void> {
  const body = JSON.stringify({
    Status: answer.Status,
    ...(answer.Reason !== undefined && { Reason: answer.Reason.slice(0, MAX_REASON_LENGTH) }),
    PhysicalResourceId: answer.PhysicalResourceId,
    StackId: request.StackId,
    RequestId: request.RequestId,
    LogicalResourceId: request.LogicalResourceId,
    ...(answer.Data !== undefined && { Data: answer.Data }),
  });
  const response = await put(request.ResponseURL, { method: 'PUT', headers: { 'content-type': '' }, body });
  if (!response.ok) throw new Error(`CloudFormation's ResponseURL answered ${response.status}`);
}
