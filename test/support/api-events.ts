// API Gateway proxy events and Lambda contexts for unit tests of the API function, and the
// environment the stack gives it.
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { TEST_STATE_MACHINE_ARN } from './provider-records.js';

export const API_ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  TABLE_NAME: 'providers',
  STATE_MACHINE_ARN: TEST_STATE_MACHINE_ARN,
  PARTITION: 'aws',
  ROLE_PATH: '/capa-providers/',
  ROLE_NAME_PREFIX: 'capa-',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

/** The event API Gateway's Lambda proxy integration sends for `method resource`. */
export function apiEvent(method: string, resource: string, init: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    resource,
    path: resource,
    headers: { Host: 'api.example.com' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { stage: 'prod' } as APIGatewayProxyEvent['requestContext'],
    ...init,
  };
}

/** A Lambda context with `remainingMs` left before the function's timeout. */
export function lambdaContext(remainingMs = 10_000): Context {
  return { functionName: 'api', awsRequestId: 'request-1', getRemainingTimeInMillis: () => remainingMs } as unknown as Context;
}
