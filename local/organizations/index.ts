// AWS Organizations of the local cloud: the account model and its JSON API. LocalIam (local/iam)
// composes it with IAM and STS; this is the entry point for code that needs Organizations alone.
export { handleOrganizations, operations as organizationsOperations, type OrganizationsCall } from './api.js';
export { ROOT_NAME, type ChildType, type ParentType } from './hierarchy.js';
export { createAccountResultEvent, type EmitEvent, type OrganizationsEvent } from './events.js';
export { DEFAULT_BOOTSTRAP_ROLE, OrganizationsModel, type NewAccountOptions, type OrganizationsModelOptions } from './model.js';
export type { CreateAccountStatusRecord, OrgAccountRecord, OrganizationalUnitRecord, OrganizationState, OrgTag } from './state.js';
