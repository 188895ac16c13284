// API Gateway proxy events and Lambda contexts for unit tests of the API function, and the
// environment the stack gives it.
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { TEST_STATE_MACHINE_ARN } from './provider-records.js';

export const API_ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  TABLE_NAME: 'providers',
  STATE_MACHINE_ARN: TEST_STATE_MACHINE_ARN,
  VERIFICATION_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:VerifyProvider',
  OFFBOARDING_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:Offboard',
  ROLLOUT_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:RolloutPolicy',
  POLICY_VERSION: 'sha256:1111111122222222',
  ROTATION_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:RotateExternalId',
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

/**
 * The event of `method` on a route of the providers API, such as
 * `routeEvent('GET', '/workspaces/{workspace}/providers/{name}', { workspace: 'payments', name: 'dev' })`:
 * API Gateway's resource, the request path, and the path parameters as API Gateway hands them over (decoded).
 */
export function routeEvent(
  method: string,
  resource: string,
  pathParameters: Record<string, string>,
  init: Partial<APIGatewayProxyEvent> = {},
): APIGatewayProxyEvent {
  const path = resource.replace(/\{(\w+)\}/g, (_match, key: string) => encodeURIComponent(pathParameters[key] ?? ''));
  return apiEvent(method, resource, { path, pathParameters, ...init });
}

export const PROVIDERS_RESOURCE = '/workspaces/{workspace}/providers';
export const PROVIDER_RESOURCE = '/workspaces/{workspace}/providers/{name}';
export const CLUSTER_IDENTITY_RESOURCE = '/workspaces/{workspace}/providers/{name}/cluster-identity';
