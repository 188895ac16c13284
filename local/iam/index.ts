// IAM, STS and Organizations of the local cloud, with policies that are evaluated rather than
// waved through: identity ∩ session policies decide every call, trust policies decide AssumeRole,
// and a new or changed role is not assumable until its (simulated) propagation delay has passed.
// LocalIam composes the three models (local/iam, local/sts, local/organizations) and the one
// authorizer every service uses; it is what local/cloud.ts, the deployer and tests drive.
import { ChangeLog, type DurableService, type RecordChange } from '../core/changes.js';
import type { AwsRequest, AwsResponse, Authorize, CallerIdentity, PolicyDocument } from '../core/types.js';
import { handleOrganizations } from '../organizations/api.js';
import type { EmitEvent } from '../organizations/events.js';
import type { LandingZone, LandingZoneOptions } from '../organizations/control-tower.js';
import { OrganizationsModel } from '../organizations/model.js';
import { handleSts } from '../sts/api.js';
import { ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, StsModel, type TemporaryCredentials } from '../sts/model.js';
import { handleIam } from './api.js';
import { Authorizer } from './authorize.js';
import { IamModel } from './model.js';
import { policyText } from './policy-document.js';
import type { ConditionContext } from './policy-eval.js';
import { iamRecords, iamStateOf } from './records.js';
import { parseLocalIamState, type LocalIamState } from './snapshot.js';
import type { Tag } from './state.js';
import { localAdministrator } from './users.js';
import { policyView, roleView, type PolicyView, type RoleView } from './views.js';

export type { OrganizationsEvent as LocalIamEvent } from '../organizations/events.js';
export { ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY, type TemporaryCredentials } from '../sts/model.js';
export type { LocalIamState } from './snapshot.js';
export type { Tag } from './state.js';
export type { PolicyView, RoleView } from './views.js';
export { Authorizer } from './authorize.js';
export { IamModel } from './model.js';
export { evaluatePolicies, evaluatePolicy, evaluateTrustPolicy } from './policy-eval.js';
export { trustPolicyGrant } from './trust-policy.js';
export { ADMIN_USER_NAME } from './users.js';

export interface LocalIamOptions {
  managementAccountId?: string;
  region?: string;
  /** IAM propagation: sampled once per role at creation and at each trust policy change. */
  propagationDelayMs?: () => number;
  now?: () => number;
  emitEvent?: EmitEvent;
}

export interface CreateRoleOptions {
  roleName: string;
  path?: string;
  assumeRolePolicyDocument: PolicyDocument | string;
  description?: string;
  maxSessionDuration?: number;
  tags?: Tag[] | Record<string, string>;
}

export interface CreatePolicyOptions {
  policyName: string;
  path?: string;
  document: PolicyDocument | string;
  description?: string;
  tags?: Tag[] | Record<string, string>;
}

function toTags(tags: Tag[] | Record<string, string> | undefined): Tag[] {
  if (tags === undefined) return [];
  return Array.isArray(tags) ? tags.map((t) => ({ Key: t.Key, Value: t.Value })) : Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export class LocalIam implements DurableService {
  readonly managementAccountId: string;
  readonly region: string;
  /** Identity-based policies ∩ session policy; account root is allowed on its own account's resources. */
  readonly authorize: Authorize;
  /** Changed roles, policies, sessions and organization records, for persistence. */
  readonly changes = new ChangeLog();
  private readonly iam: IamModel;
  private readonly sts: StsModel;
  private readonly organizations: OrganizationsModel;
  private readonly authorizer: Authorizer;

  constructor(options: LocalIamOptions = {}) {
    this.managementAccountId = options.managementAccountId ?? '000000000000';
    this.region = options.region ?? 'us-east-1';
    const now = options.now ?? (() => Date.now());
    this.iam = new IamModel({ now, propagationDelayMs: options.propagationDelayMs, changes: this.changes });
    this.iam.users.add(localAdministrator(this.managementAccountId));
    // aws:userid of a role session is known to STS, which needs the authorizer in turn.
    this.authorizer = new Authorizer({ model: this.iam, region: this.region, now, userId: (caller) => this.sts.userId(caller) });
    this.sts = new StsModel({ iam: this.iam, authorizer: this.authorizer, now, changes: this.changes });
    this.organizations = new OrganizationsModel({
      iam: this.iam,
      managementAccountId: this.managementAccountId,
      region: this.region,
      now,
      emitEvent: options.emitEvent,
      changes: this.changes,
    });
    this.authorize = this.authorizer.authorize;
  }

  // ---- credentials and authorization ------------------------------------------------------

  adminCredentials(): { accessKeyId: typeof ADMIN_ACCESS_KEY_ID; secretAccessKey: typeof ADMIN_SECRET_ACCESS_KEY } {
    return this.sts.adminCredentials();
  }

  /** Who an access key is: the local administrator (an IAM user), or a live role session (expired sessions are unknown). */
  resolveAccessKey(accessKeyId: string): CallerIdentity | undefined {
    return this.resolveCredentials(accessKeyId)?.identity;
  }

  /** The global condition keys AWS sets on a request by `caller` on `resource`, as policies see them. */
  requestContext(caller: CallerIdentity, resource?: string): ConditionContext {
    return this.authorizer.requestContext(caller, resource);
  }

  /** The secret too, for SigV4 verification (the shape local/core/server.ts `credentials` expects). */
  resolveCredentials(accessKeyId: string): { secretAccessKey: string; identity: CallerIdentity } | undefined {
    return this.sts.resolveCredentials(accessKeyId);
  }

  // ---- service endpoints ------------------------------------------------------------------

  async handleIam(req: AwsRequest): Promise<AwsResponse> {
    return handleIam(this.iam, this.authorize, req);
  }

  async handleSts(req: AwsRequest): Promise<AwsResponse> {
    return handleSts(this.sts, req);
  }

  async handleOrganizations(req: AwsRequest): Promise<AwsResponse> {
    return handleOrganizations(this.organizations, this.authorize, req);
  }

  // ---- control plane ----------------------------------------------------------------------

  createRole(accountId: string, options: CreateRoleOptions): { arn: string } {
    const role = this.iam.createRole(accountId, {
      roleName: options.roleName,
      trustPolicy: policyText(options.assumeRolePolicyDocument),
      tags: toTags(options.tags),
      ...(options.path !== undefined ? { path: options.path } : {}),
      ...(options.description !== undefined ? { description: options.description } : {}),
      ...(options.maxSessionDuration !== undefined ? { maxSessionDuration: options.maxSessionDuration } : {}),
    });
    return { arn: role.arn };
  }

  deleteRole(accountId: string, roleName: string): void {
    this.iam.deleteRole(accountId, roleName);
  }

  updateAssumeRolePolicy(accountId: string, roleName: string, document: PolicyDocument | string): void {
    this.iam.updateAssumeRolePolicy(accountId, roleName, policyText(document));
  }

  putRolePolicy(accountId: string, roleName: string, policyName: string, document: PolicyDocument | string): void {
    this.iam.putRolePolicy(accountId, roleName, policyName, policyText(document));
  }

  deleteRolePolicy(accountId: string, roleName: string, policyName: string): void {
    this.iam.deleteRolePolicy(accountId, roleName, policyName);
  }

  attachRolePolicy(accountId: string, roleName: string, policyArn: string): void {
    this.iam.attachRolePolicy(accountId, roleName, policyArn);
  }

  detachRolePolicy(accountId: string, roleName: string, policyArn: string): void {
    this.iam.detachRolePolicy(accountId, roleName, policyArn);
  }

  createPolicy(accountId: string, options: CreatePolicyOptions): { arn: string } {
    const record = this.iam.createPolicy(accountId, {
      policyName: options.policyName,
      document: policyText(options.document),
      tags: toTags(options.tags),
      ...(options.path !== undefined ? { path: options.path } : {}),
      ...(options.description !== undefined ? { description: options.description } : {}),
    });
    return { arn: record.arn };
  }

  /**
   * Credentials of a role as a service (e.g. lambda.amazonaws.com) assumes it: the trust policy
   * must allow that service principal. No propagation delay: the deployer acts after creation.
   */
  sessionForService(
    roleArn: string,
    servicePrincipal: string,
    options: { sessionName?: string; sourceAccount?: string; sourceArn?: string } = {},
  ): TemporaryCredentials {
    return this.sts.sessionForService(roleArn, servicePrincipal, options);
  }

  /** Tags as CreateAccount's; in Control Tower mode, ManagedOrganizationalUnit picks the OU. */
  createAccount(name: string, email: string, tags: Array<{ Key: string; Value: string }> = []): { accountId: string; createAccountRequestId: string } {
    return this.organizations.createAccountOrThrow(name, email, 'CREATED', tags);
  }

  /** Control Tower mode (LOCAL_CONTROL_TOWER): the landing zone's OUs, and CreateAccount as Account Factory. */
  enableControlTower(options: LandingZoneOptions = {}): LandingZone {
    return this.organizations.enableControlTower(options);
  }

  /** An existing account joining the organization: bootstrap role, but no CreateAccountResult event. */
  inviteAccount(name: string, email: string): { accountId: string } {
    return { accountId: this.organizations.createAccountOrThrow(name, email, 'INVITED').accountId };
  }

  setPropagationDelay(fn: () => number): void {
    this.iam.setPropagationDelay(fn);
  }

  // ---- inspection -------------------------------------------------------------------------

  getRole(accountId: string, roleName: string): RoleView | undefined {
    const role = this.iam.findRole(accountId, roleName);
    return role === undefined ? undefined : roleView(role);
  }

  listRoles(accountId: string): RoleView[] {
    return this.iam.roles(accountId).map(roleView);
  }

  /** The account's customer managed policies. */
  listPolicies(accountId: string): PolicyView[] {
    return this.iam.policies(accountId).map((record) => policyView(this.iam, record));
  }

  listAccounts(): Array<{ id: string; name: string; email: string }> {
    return this.organizations.accounts().map((a) => ({ id: a.id, name: a.name, email: a.email }));
  }

  // ---- persistence ------------------------------------------------------------------------

  snapshot(): LocalIamState {
    return { version: 1, accounts: this.iam.snapshot(), sessions: this.sts.snapshot(), organization: this.organizations.snapshot() };
  }

  restore(snapshot: unknown): void {
    const state = parseLocalIamState(snapshot);
    this.iam.restore(state.accounts);
    this.sts.restore(state.sessions);
    this.organizations.restore(state.organization);
  }

  records(): RecordChange[] {
    return iamRecords(this.snapshot());
  }

  /** Records without an organization are a state directory IAM never wrote to: the state stays fresh. */
  restoreRecords(records: ReadonlyMap<string, unknown>): void {
    const state = iamStateOf(records);
    if (state !== undefined) this.restore(state);
  }
}
