// Offboarding step "Remove Role And CAPA Policies": through the account's bootstrap role, removes
// the provider's CAPA policies and role, only what carries this product's tag for the provider.
import { nonEmpty, partition as partitionName, readEnv, rolePath } from '../shared/runtime/env.js';
import { stsClient } from '../shared/runtime/clients.js';
import { BootstrapRoleDenied } from '../shared/domain/errors.js';
import { logger } from '../shared/runtime/logger.js';
import { withMiddleware } from '../shared/runtime/middleware.js';
import { removeProviderResources, unreachableAccountResult, type RemovalResult } from '../shared/adapters/provider-removal.js';
import { iamClientForTargetAccount } from '../shared/adapters/target-account.js';
import type { OffboardingTaskEvent } from '../shared/runtime/offboarding-event.js';
import { bindWorkflowLogContext, targetAccessOf } from '../shared/runtime/workflow-event.js';

const env = readEnv({ PARTITION: partitionName, BOOTSTRAP_ROLE_NAME: nonEmpty, ROLE_PATH: rolePath });
const sts = stsClient();

async function removeResources(event: OffboardingTaskEvent): Promise<RemovalResult> {
  bindWorkflowLogContext(event);
  const { provider, force } = event.state;
  const resources = {
    partition: env.PARTITION,
    accountId: provider.accountId,
    rolePath: provider.rolePath,
    roleName: provider.roleName,
    providerId: provider.providerId,
  };
  let result: RemovalResult;
  try {
    const iam = await iamClientForTargetAccount(sts, targetAccessOf(event, env.PARTITION, env.BOOTSTRAP_ROLE_NAME, 'offboard'));
    result = await removeProviderResources(iam, resources);
  } catch (error) {
    // Forced: an account that cannot be reached keeps whatever it holds, named in the result.
    if (!(error instanceof BootstrapRoleDenied) || !force) throw error;
    logger.warn('Target account unreachable (forced offboarding goes on)', { errorMessage: error.message });
    result = unreachableAccountResult(resources, error.message);
  }
  logger.info('Provider resources removed', { removed: result.removed, leftInPlace: result.leftInPlace });
  return result;
}

export const handler = withMiddleware(removeResources);
