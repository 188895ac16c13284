// The API's resource paths, as API Gateway names them (`event.resource`). The CDK stack, the
// route table and docs/openapi.json are built from these, so they cannot name different routes.
export const PROVIDERS = '/workspaces/{workspace}/providers';
export const PROVIDER = `${PROVIDERS}/{name}`;
export const CLUSTER_IDENTITY = `${PROVIDER}/cluster-identity`;
export const VERIFICATIONS = `${PROVIDER}/verifications`;
export const ROTATIONS = `${PROVIDER}/rotations`;
export const ROTATION_COMPLETION = `${ROTATIONS}/{rotationId}/complete`;
export const LATEST_SWEEP = '/fleet/sweeps/latest';
export const ROLLOUTS = '/fleet/rollouts';
export const ROLLOUT = `${ROLLOUTS}/{rolloutId}`;
export const LATEST_ROLLOUT = `${ROLLOUTS}/latest`;
