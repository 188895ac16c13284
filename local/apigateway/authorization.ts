// Route authorization as API Gateway applies it before any integration runs: AWS_IAM routes need
// a SigV4 signature scoped to execute-api, then execute-api:Invoke on the method's ARN; NONE
// routes are open. Other authorizer types are not emulated and are let through with a log line.
import type { IncomingMessage } from 'node:http';
import { verifySignature } from '../core/sigv4.js';
import { AwsServiceError, type Authorize, type CallerIdentity } from '../core/types.js';
import type { ResolvedCredentials } from '../core/server.js';
import { gatewayError, missingToken, type HttpAnswer } from './http.js';
import type { RestApiRoute } from './routes.js';

export interface RouteAuthorizer {
  authorize: Authorize;
  credentials: (accessKeyId: string) => ResolvedCredentials | undefined;
  /** The region the API runs in: the one a signature's credential scope must name. */
  region: string;
  /** The gateway's clock (epoch ms), which signing times are checked against. Default Date.now. */
  now?: () => number;
  log?: (line: string) => void;
}

export interface AuthorizationRequest {
  method: string;
  req: IncomingMessage;
  raw: Buffer;
  /** The path within the stage, for the log line. */
  path: string;
  /** The execute-api ARN of this method and path: what execute-api:Invoke is decided on. */
  resource: string;
}

/** The caller a route may be invoked by (undefined when anonymous), or the answer refusing the request. */
export type Authorization = { allowed: true; caller: CallerIdentity | undefined } | { allowed: false; answer: HttpAnswer };

export function authorizeRoute(route: RestApiRoute, request: AuthorizationRequest, authorizer: RouteAuthorizer): Authorization {
  if (route.authorizationType === 'AWS_IAM') return authorizeIam(request, authorizer);
  if (route.authorizationType !== 'NONE') {
    authorizer.log?.(`api: authorization type ${route.authorizationType} is not emulated; allowing ${request.method} ${request.path}`);
  }
  return { allowed: true, caller: undefined };
}

function authorizeIam(request: AuthorizationRequest, authorizer: RouteAuthorizer): Authorization {
  const signed = verifyCaller(request, authorizer);
  if (!signed.allowed) return signed;
  try {
    authorizer.authorize(signed.caller, 'execute-api:Invoke', request.resource);
  } catch (error) {
    if (!(error instanceof AwsServiceError)) throw error;
    const message = `User: ${signed.caller?.arn ?? 'anonymous'} is not authorized to perform: execute-api:Invoke on resource: ${request.resource}`;
    return { allowed: false, answer: gatewayError(403, 'AccessDeniedException', message) };
  }
  return signed;
}

/**
 * Checks the SigV4 signature and resolves who signed; the error types are API Gateway's, not STS's.
 * Like API Gateway, the canonical request carries the hash of the body received, whatever
 * x-amz-content-sha256 says: a body that is not the one signed (or UNSIGNED-PAYLOAD) fails.
 */
function verifyCaller({ method, req, raw }: AuthorizationRequest, authorizer: RouteAuthorizer): Authorization {
  if (req.headers.authorization === undefined) return { allowed: false, answer: missingToken() };
  try {
    let resolved: ResolvedCredentials | undefined;
    const rules = { region: authorizer.region, service: 'execute-api', now: (authorizer.now ?? Date.now)(), payloadHash: 'body' } as const;
    const verified = verifySignature(
      { method, url: req.url ?? '/', headers: req.headers, body: raw },
      (akid) => {
        resolved = authorizer.credentials(akid);
        return resolved?.secretAccessKey;
      },
      rules,
    );
    return { allowed: true, caller: verified !== undefined ? resolved?.identity : undefined };
  } catch (error) {
    if (!(error instanceof AwsServiceError)) throw error;
    const type = error.code === 'SignatureDoesNotMatch' ? 'InvalidSignatureException' : error.code === 'InvalidClientTokenId' ? 'UnrecognizedClientException' : 'IncompleteSignatureException';
    return { allowed: false, answer: gatewayError(403, type, error.message) };
  }
}
