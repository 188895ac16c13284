// The providers API (API Gateway REST, Lambda proxy integration, IAM auth in front): dispatches
// on API Gateway's method and resource to one module per operation (routes/). API Gateway checks
// the signature, the route and the body of an application/json request; what reaches a route
// unchecked (other media types, path and query values, page tokens) is checked there, so a
// client's mistake is always a 4xx. AWS failures that outlast the request's time budget are a
// retryable 503; only the unexpected is a 500.
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { isRetryableLater, runWithinDeadline } from '../shared/adapters/request-deadline.js';
import { errorResponse } from '../shared/runtime/http.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { ROUTES } from './routes/index.js';

const routes = new Map(ROUTES.map((route) => [`${route.method} ${route.resource}`, route.handle]));

/** Kept back from Lambda's remaining time to build and return the answer after the last AWS call. */
const RESPONSE_RESERVE_MS = 500;
/** What a 503 asks the caller to wait before retrying: the SDK's own retries have already run. */
const RETRY_AFTER_SECONDS = '2';

async function route(event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> {
  const handle = routes.get(`${event.httpMethod} ${event.resource}`);
  if (!handle) return errorResponse(404, 'NOT_FOUND', `No route for ${event.httpMethod} ${event.resource}`);
  // AWS calls stop in time for an answer before Lambda's timeout, which API Gateway would turn into a 502.
  const deadline = Date.now() + context.getRemainingTimeInMillis() - RESPONSE_RESERVE_MS;
  try {
    return await runWithinDeadline(deadline, () => handle(event));
  } catch (error) {
    // The caller gets a generic answer; the log has the details and the request id.
    if (isRetryableLater(error)) {
      logger.warn('AWS throttled or failed beyond what this request could retry: answered 503', { error });
      return errorResponse(
        503,
        'SERVICE_UNAVAILABLE',
        'AWS is busy; retry the request after the Retry-After delay, it is idempotent',
        [],
        { 'retry-after': RETRY_AFTER_SECONDS },
      );
    }
    logger.error('Request failed', { error });
    return errorResponse(500, 'INTERNAL', 'Internal error; retry the request, it is idempotent');
  }
}

export const handler = withMiddleware(route);
