// Every handler is wrapped the same way: Lambda context in each log line, keys reset between
// invocations, and a failure logged once (by name, which is what Step Functions matches on).
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { logger } from './logger.js';

const RETRIED_BY_WORKFLOW = new Set(['RoleNotYetAssumable', 'TransientAwsError']);

export function withMiddleware<TEvent, TResult>(handler: (event: TEvent, context: Context) => Promise<TResult>) {
  return middy<TEvent, TResult>(handler)
    // Never the whole event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: an API event's body can
    // carry an External ID, which must appear in no log line.
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .use({
      onError: async (request) => {
        const error = request.error;
        // Retryable conditions are part of normal operation: the state machine retries them.
        const log = RETRIED_BY_WORKFLOW.has(error?.name ?? '') ? logger.warn : logger.error;
        log.call(logger, 'Invocation failed', { errorName: error?.name, errorMessage: error?.message, error });
      },
    });
}
