// The API's route table: one module per operation, one line each here.
import { createProviderRoute } from './create-provider.js';
import { deleteProviderRoute } from './delete-provider.js';
import { getClusterIdentityRoute } from './get-cluster-identity.js';
import { getLatestSweepRoute } from './get-latest-sweep.js';
import { getProviderRoute } from './get-provider.js';
import { listProvidersRoute } from './list-providers.js';
import type { ApiRoute } from './route.js';
import { verifyProviderRoute } from './verify-provider.js';
import { completeRotationApiRoute } from './complete-rotation.js';
import { startRotationApiRoute } from './start-rotation.js';
import { startRolloutRoute } from './start-rollout.js';
import { getRolloutRoute } from './get-rollout.js';
import { getLatestRolloutRoute } from './get-latest-rollout.js';

export const ROUTES: readonly ApiRoute[] = [
  createProviderRoute,
  listProvidersRoute,
  getProviderRoute,
  deleteProviderRoute,
  getClusterIdentityRoute,
  verifyProviderRoute,
  startRotationApiRoute,
  completeRotationApiRoute,
  getLatestSweepRoute,
  startRolloutRoute,
  getRolloutRoute,
  getLatestRolloutRoute,
];
