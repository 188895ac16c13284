// STS of the local cloud: the session model and its query API. LocalIam (local/iam) composes it
// with IAM and Organizations; this is the entry point for code that needs STS alone.
export { handleSts, operations as stsOperations, type StsCall } from './api.js';
export {
  ADMIN_ACCESS_KEY_ID,
  ADMIN_SECRET_ACCESS_KEY,
  StsModel,
  type AssumeRoleInput,
  type AssumedRole,
  type StsModelOptions,
  type TemporaryCredentials,
} from './model.js';
export type { SessionRecord, Sessions } from './state.js';
