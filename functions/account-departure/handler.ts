// Account departures: Organizations RemoveAccountFromOrganization, LeaveOrganization and
// CloseAccount calls (CloudTrail, via the default bus; the rule filters) end every provider of the
// account as ACCOUNT_REMOVED and announce "Provider Deleted". A failure throws, so Lambda's async
// retries and then the dead-letter queue keep the event.
import { departureDependenciesFromEnv } from '../shared/runtime/departure-dependencies.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { accountDepartureOf, type AccountDepartureEvent } from '../shared/domain/account-departure.js';
import { handleAccountDeparture, type DepartureResult } from '../shared/adapters/account-departures.js';

const deps = departureDependenciesFromEnv();

async function onAccountDeparture(event: AccountDepartureEvent): Promise<{ accountId?: string; providers: DepartureResult[] }> {
  const departure = accountDepartureOf(event);
  if (departure === undefined) {
    // Not retryable: the same event would be rejected again.
    logger.warn('Ignored an event that names no departed account', { eventId: event.id, eventName: event.detail?.eventName });
    return { providers: [] };
  }
  logger.appendKeys({ eventId: event.id, accountId: departure.accountId, departureEvent: departure.eventName });
  const providers = await handleAccountDeparture(deps, departure);
  logger.info('Account departed', { providers });
  return { accountId: departure.accountId, providers };
}

export const handler = withMiddleware(onAccountDeparture);
