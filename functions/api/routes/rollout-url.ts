// The URL of a rollout on the API the request came through (the POST's Location).
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { headerOf } from './route.js';

export function rolloutUrlOf(event: APIGatewayProxyEvent, rolloutId: string): string {
  const host = headerOf(event, 'host') ?? event.requestContext?.domainName ?? 'localhost';
  const proto = headerOf(event, 'x-forwarded-proto') ?? 'https';
  const stage = event.requestContext?.stage ? `/${event.requestContext.stage}` : '';
  return `${proto}://${host}${stage}/fleet/rollouts/${encodeURIComponent(rolloutId)}`;
}
