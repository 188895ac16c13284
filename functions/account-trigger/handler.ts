// New-account trigger: Organizations CreateAccountResult and Control Tower Create/UpdateManagedAccount
// events (SUCCEEDED; the rules filter) onboard the account into the default workspace.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { nonEmpty, readEnv, rolePath } from '../shared/env.js';
import { logger } from '../shared/logger.js';
import { withMiddleware } from '../shared/middleware.js';
import { newAccountOf, type NewAccountEvent } from '../shared/new-account.js';
import { ProviderRegistry } from '../shared/registry.js';
import { startOnboarding } from '../shared/start-onboarding.js';

const env = readEnv({
  TABLE_NAME: nonEmpty,
  STATE_MACHINE_ARN: nonEmpty,
  ROLE_PATH: rolePath,
  ROLE_NAME_PREFIX: nonEmpty,
  DEFAULT_WORKSPACE: nonEmpty,
});
const registry = new ProviderRegistry(DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 5 })), env.TABLE_NAME);
const sfn = new SFNClient({ maxAttempts: 5 });
const settings = { stateMachineArn: env.STATE_MACHINE_ARN, rolePath: env.ROLE_PATH, roleNamePrefix: env.ROLE_NAME_PREFIX };

async function onNewAccount(event: NewAccountEvent): Promise<{ providerId?: string; outcome: string }> {
  const account = newAccountOf(event, env.DEFAULT_WORKSPACE);
  if (!account) {
    // Not retryable: the same event would be rejected again.
    logger.warn('Ignored an event that names no successfully created account', { eventId: event.id, source: event.source });
    return { outcome: 'ignored' };
  }
  logger.appendKeys({ eventId: event.id, accountId: account.request.accountId });
  const result = await startOnboarding({ registry, sfn, settings }, account.request);
  logger.appendKeys({ providerId: result.provider.providerId, executionArn: result.provider.executionArn });
  if (result.outcome === 'conflict') {
    logger.error('Provider for this account exists with a different spec; not changed', {
      details: result.differences,
    });
  } else {
    logger.info('New account onboarding', { outcome: result.outcome, accountName: account.accountName, trigger: account.trigger });
  }
  return { providerId: result.provider.providerId, outcome: result.outcome };
}

export const handler = withMiddleware(onNewAccount);
