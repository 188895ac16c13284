// AWS Organizations of the local cloud: the account model and its JSON API. LocalIam (local/iam)
// composes it with IAM and STS; this is the entry point for code that needs Organizations alone.
export { handleOrganizations, operations as organizationsOperations, type OrganizationsCall } from './api.js';
export { createAccountResultEvent, type EmitEvent, type OrganizationsEvent } from './events.js';
export { DEFAULT_BOOTSTRAP_ROLE, OrganizationsModel, type OrganizationsModelOptions } from './model.js';
export type { CreateAccountStatusRecord, OrgAccountRecord, OrganizationState } from './state.js';
