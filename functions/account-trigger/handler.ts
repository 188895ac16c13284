// New-account trigger: Organizations CreateAccountResult and Control Tower Create/UpdateManagedAccount
// events (SUCCEEDED; the rules filter) onboard the account where the new-account rules place it
// (its OU, its tags; default workspace otherwise), through the bootstrap role of the event's source.
import { accountRulesFromEnv } from '../shared/runtime/account-rules-settings.js';
import { organizationsClient } from '../shared/runtime/clients.js';
import { onboardingStarterFromEnv } from '../shared/runtime/onboarding-starter.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { placeAccount } from '../shared/domain/account-rules.js';
import { newAccountOf, type NewAccountEvent } from '../shared/domain/new-account.js';
import { accountFactsOf } from '../shared/adapters/account-facts.js';
import { startOnboarding } from '../shared/adapters/start-onboarding.js';

const placement = accountRulesFromEnv();
const starter = onboardingStarterFromEnv();
// Organizations is global: the SDK signs for its partition's one endpoint whatever the function's region.
const organizations = organizationsClient();

async function onNewAccount(event: NewAccountEvent): Promise<{ providerId?: string; outcome: string }> {
  const account = newAccountOf(event, placement.defaultWorkspace);
  if (!account) {
    // Not retryable: the same event would be rejected again.
    logger.warn('Ignored an event that names no successfully created account', { eventId: event.id, source: event.source });
    return { outcome: 'ignored' };
  }
  logger.appendKeys({ eventId: event.id, accountId: account.request.accountId, trigger: account.trigger });
  const facts = await accountFactsOf(organizations, placement.rules, account);
  const placed = placeAccount(placement, facts);
  if (placed.action === 'skip') {
    // newAccountPlacement is the field to count on (a metric filter): one line per account.
    logger.info('New account skipped by a rule', { newAccountPlacement: 'skipped', rule: placed.rule, accountName: account.accountName });
    return { outcome: 'skipped' };
  }
  // A provider someone deleted stays deleted, whatever account events arrive later.
  const result = await startOnboarding(
    starter,
    { ...account.request, workspace: placed.workspace },
    { onboardDeleted: false, bootstrapRoleName: placed.bootstrapRoleName },
  );
  logger.appendKeys({ providerId: result.provider.providerId, executionArn: result.provider.executionArn });
  if (result.outcome === 'removing-leftovers') {
    // Lambda's asynchronous retries (a minute, then two) bring the event back once it is done.
    throw new Error(
      `Provider ${result.provider.providerId} is FAILED and what its execution created is still being removed (since ${result.provider.leftoversPendingSince}); the event is retried`,
    );
  }
  if (result.outcome === 'conflict') {
    logger.error('Provider for this account exists with a different spec; not changed', {
      details: result.differences,
    });
  } else {
    logger.info('New account onboarding', {
      outcome: result.outcome,
      accountName: account.accountName,
      newAccountPlacement: placed.rule === undefined ? 'default' : 'rule',
      ...(placed.rule !== undefined ? { rule: placed.rule } : {}),
      workspace: placed.workspace,
      bootstrapRoleName: placed.bootstrapRoleName,
      ...(result.outcome === 'restarted' && result.endedExecution ? { endedExecution: result.endedExecution } : {}),
    });
  }
  return { providerId: result.provider.providerId, outcome: result.outcome };
}

export const handler = withMiddleware(onNewAccount);
