// New-account trigger: Organizations CreateAccountResult and Control Tower Create/UpdateManagedAccount
// events (SUCCEEDED; the rules filter) onboard the account into the default workspace.
import { nonEmpty, readEnv } from '../shared/runtime/env.js';
import { onboardingStarterFromEnv } from '../shared/runtime/onboarding-starter.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { newAccountOf, type NewAccountEvent } from '../shared/domain/new-account.js';
import { startOnboarding } from '../shared/adapters/start-onboarding.js';

const env = readEnv({ DEFAULT_WORKSPACE: nonEmpty });
const starter = onboardingStarterFromEnv();

async function onNewAccount(event: NewAccountEvent): Promise<{ providerId?: string; outcome: string }> {
  const account = newAccountOf(event, env.DEFAULT_WORKSPACE);
  if (!account) {
    // Not retryable: the same event would be rejected again.
    logger.warn('Ignored an event that names no successfully created account', { eventId: event.id, source: event.source });
    return { outcome: 'ignored' };
  }
  logger.appendKeys({ eventId: event.id, accountId: account.request.accountId });
  // A provider someone deleted stays deleted, whatever account events arrive later.
  const result = await startOnboarding(starter, account.request, { onboardDeleted: false });
  logger.appendKeys({ providerId: result.provider.providerId, executionArn: result.provider.executionArn });
  if (result.outcome === 'conflict') {
    logger.error('Provider for this account exists with a different spec; not changed', {
      details: result.differences,
    });
  } else {
    logger.info('New account onboarding', {
      outcome: result.outcome,
      accountName: account.accountName,
      trigger: account.trigger,
      ...(result.outcome === 'restarted' && result.endedExecution ? { endedExecution: result.endedExecution } : {}),
    });
  }
  return { providerId: result.provider.providerId, outcome: result.outcome };
}

export const handler = withMiddleware(onNewAccount);
