// IAM, STS and Organizations of the local cloud, with policies that are evaluated rather than
// waved through: identity ∩ session policies decide every call, trust policies decide AssumeRole,
// and a new or changed role is not assumable until its (simulated) propagation delay has passed.
import { randomBytes } from 'node:crypto';
import { asAwsError, jsonError, queryError, queryResponse, xmlElement } from '../core/protocol.js';
import {
  AwsServiceError,
  type AwsRequest,
  type AwsResponse,
  type Authorize,
  type CallerIdentity,
  type PolicyDocument,
} from '../core/types.js';
import { runIamAction } from './iam-api.js';
import { IamModel, randomId } from './iam-model.js';
import { Organizations, type LocalIamEvent } from './organizations.js';
import { LIMITS, parsePolicyDocument, policySize, policyText } from './policy-document.js';
import { evaluatePolicies, evaluatePolicy, evaluateTrustPolicy, type ConditionContext, type PrincipalRef } from './policy-eval.js';
import { isoTime, optionalInteger, optionalString, requiredString } from './query.js';
import type { LocalIamState, RoleRecord, SessionRecord, Tag } from './state.js';

export type { LocalIamEvent } from './organizations.js';
export type { LocalIamState, Tag } from './state.js';
export { evaluatePolicies, evaluatePolicy, evaluateTrustPolicy } from './policy-eval.js';

export const ADMIN_ACCESS_KEY_ID = 'LOCALADMINACCESSKEY0';
export const ADMIN_SECRET_ACCESS_KEY = 'local-admin-secret';

export interface LocalIamOptions {
  managementAccountId?: string;
  region?: string;
  /** IAM propagation: sampled once per role at creation and at each trust policy change. */
  propagationDelayMs?: () => number;
  now?: () => number;
  emitEvent?: (event: LocalIamEvent) => void | Promise<void>;
}

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
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

export interface RoleView {
  accountId: string;
  roleName: string;
  roleId: string;
  arn: string;
  path: string;
  createDate: string;
  description?: string;
  maxSessionDuration: number;
  tags: Tag[];
  assumeRolePolicyDocument: PolicyDocument;
  inlinePolicies: Record<string, PolicyDocument>;
  attachedPolicyArns: string[];
  /** When IAM propagation lets the role be assumed (ISO-8601). */
  assumableAt: string;
}

export interface PolicyView {
  accountId: string;
  policyName: string;
  policyId: string;
  arn: string;
  path: string;
  description?: string;
  defaultVersionId: string;
  attachmentCount: number;
  document: PolicyDocument;
  versions: Array<{ versionId: string; isDefaultVersion: boolean; document: PolicyDocument }>;
  tags: Tag[];
}

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role(\/(?:[\x21-\x7E]*\/)?)([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

function toTags(tags: Tag[] | Record<string, string> | undefined): Tag[] {
  if (tags === undefined) return [];
  return Array.isArray(tags) ? tags.map((t) => ({ Key: t.Key, Value: t.Value })) : Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** AccessDenied for the query services and S3; the JSON services call it AccessDeniedException. */
function accessDeniedError(action: string, message: string): AwsServiceError {
  const service = action.split(':')[0]?.toLowerCase() ?? '';
  if (service === 'iam' || service === 'sts' || service === 's3') return new AwsServiceError('AccessDenied', message, 403);
  const status = service === 'lambda' ? 403 : 400;
  return new AwsServiceError('AccessDeniedException', message, status);
}

function missingAuthentication(service: string): AwsServiceError {
  return service === 'iam' || service === 'sts'
    ? new AwsServiceError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403)
    : new AwsServiceError('MissingAuthenticationTokenException', 'Request is missing Authentication Token', 403);
}

function emptyState(): LocalIamState {
  return {
    version: 1,
    accounts: {},
    sessions: {},
    organization: { id: `o-${randomBytes(5).toString('hex')}`, rootId: `r-${randomBytes(2).toString('hex')}`, accounts: [], createAccountStatuses: [] },
  };
}

export class LocalIam {
  readonly managementAccountId: string;
  readonly region: string;
  private state: LocalIamState = emptyState();
  private propagationDelayMs: () => number;
  private readonly now: () => number;
  private readonly model: IamModel;
  private readonly organizations: Organizations;

  constructor(options: LocalIamOptions = {}) {
    this.managementAccountId = options.managementAccountId ?? '000000000000';
    this.region = options.region ?? 'us-east-1';
    this.propagationDelayMs = options.propagationDelayMs ?? (() => 0);
    this.now = options.now ?? (() => Date.now());
    this.model = new IamModel(() => this.state, this.now, () => this.propagationDelayMs());
    this.organizations = new Organizations({
      state: () => this.state,
      model: this.model,
      managementAccountId: this.managementAccountId,
      region: this.region,
      now: this.now,
      authorize: this.authorize,
      ...(options.emitEvent !== undefined ? { emitEvent: options.emitEvent } : {}),
    });
    this.organizations.ensureManagementAccount();
  }

  // ---- credentials -------------------------------------------------------------------------

  adminCredentials(): { accessKeyId: typeof ADMIN_ACCESS_KEY_ID; secretAccessKey: typeof ADMIN_SECRET_ACCESS_KEY } {
    return { accessKeyId: ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN_SECRET_ACCESS_KEY };
  }

  /** Who an access key is: the management root, or a live role session (expired sessions are unknown). */
  resolveAccessKey(accessKeyId: string): CallerIdentity | undefined {
    return this.resolveCredentials(accessKeyId)?.identity;
  }

  /** The secret too, for SigV4 verification (the shape local/server.ts `credentials` expects). */
  resolveCredentials(accessKeyId: string): { secretAccessKey: string; identity: CallerIdentity } | undefined {
    if (accessKeyId === ADMIN_ACCESS_KEY_ID) {
      return {
        secretAccessKey: ADMIN_SECRET_ACCESS_KEY,
        identity: {
          accessKeyId,
          accountId: this.managementAccountId,
          arn: `arn:aws:iam::${this.managementAccountId}:root`,
          principalType: 'account-root',
        },
      };
    }
    const session = this.state.sessions[accessKeyId];
    if (session === undefined) return undefined;
    if (session.expiresAt !== undefined && session.expiresAt <= this.now()) return undefined;
    return {
      secretAccessKey: session.secretAccessKey,
      identity: {
        accessKeyId,
        accountId: session.accountId,
        arn: `arn:aws:sts::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName}`,
        principalType: 'assumed-role',
        roleArn: session.roleArn,
        sessionName: session.sessionName,
        ...(session.sessionPolicy !== undefined ? { sessionPolicy: session.sessionPolicy } : {}),
      },
    };
  }

  // ---- authorization -----------------------------------------------------------------------

  private baseContext(caller: CallerIdentity): ConditionContext {
    const now = this.now();
    const session = this.state.sessions[caller.accessKeyId];
    return {
      'aws:PrincipalArn': caller.roleArn ?? caller.arn,
      'aws:PrincipalAccount': caller.accountId,
      'aws:PrincipalType': caller.principalType === 'assumed-role' ? 'AssumedRole' : 'Account',
      'aws:userid': caller.principalType === 'assumed-role' ? `${session?.roleId ?? 'AROA'}:${caller.sessionName ?? ''}` : caller.accountId,
      'aws:CurrentTime': new Date(now).toISOString(),
      'aws:EpochTime': String(Math.floor(now / 1000)),
      'aws:RequestedRegion': this.region,
      'aws:SecureTransport': 'false',
    };
  }

  /** Why the request is denied (the tail of AWS's message), or undefined when it is allowed. */
  private denialReason(caller: CallerIdentity, action: string, resource: string, extra: ConditionContext | undefined): string | undefined {
    const resourceAccount = resource.split(':')[4];
    const crossAccount = resourceAccount !== undefined && /^\d{12}$/.test(resourceAccount) && resourceAccount !== caller.accountId;
    // Without resource policies in this emulator, only AssumeRole (decided by the trust policy) crosses accounts.
    if (crossAccount && action.toLowerCase() !== 'sts:assumerole') return `because no resource-based policy allows the ${action} action`;
    if (caller.principalType === 'account-root') return undefined;
    const role = caller.roleArn !== undefined ? this.model.roleByArn(caller.roleArn) : undefined;
    if (role === undefined || role.accountId !== caller.accountId) return `because no identity-based policy allows the ${action} action`;
    const request = { action, resource, context: { ...this.baseContext(caller), ...extra } };
    const identity = evaluatePolicies(this.model.identityPolicies(role), request);
    if (identity === 'ExplicitDeny') return 'with an explicit deny in an identity-based policy';
    const session = caller.sessionPolicy !== undefined ? evaluatePolicy(caller.sessionPolicy, request) : 'Allow';
    if (session === 'ExplicitDeny') return 'with an explicit deny in a session policy';
    if (identity !== 'Allow') return `because no identity-based policy allows the ${action} action`;
    if (session !== 'Allow') return `because no session policy allows the ${action} action`;
    return undefined;
  }

  /** Identity-based policies ∩ session policy; account root is allowed on its own account's resources. */
  readonly authorize: Authorize = (caller, action, resource, conditionContext) => {
    if (caller === undefined) throw missingAuthentication(action.split(':')[0] ?? '');
    const reason = this.denialReason(caller, action, resource, conditionContext);
    if (reason !== undefined) {
      throw accessDeniedError(action, `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resource} ${reason}`);
    }
  };

  // ---- service handlers --------------------------------------------------------------------

  async handleIam(req: AwsRequest): Promise<AwsResponse> {
    try {
      if (req.caller === undefined) throw missingAuthentication('iam');
      const action = req.action || requiredString(req.params, 'Action');
      return queryResponse('iam', action, runIamAction({ model: this.model, authorize: this.authorize }, req.caller, action, req.params));
    } catch (error) {
      return queryError('iam', asAwsError(error));
    }
  }

  async handleSts(req: AwsRequest): Promise<AwsResponse> {
    try {
      if (req.caller === undefined) throw missingAuthentication('sts');
      const action = req.action || requiredString(req.params, 'Action');
      switch (action) {
        case 'GetCallerIdentity':
          return queryResponse('sts', action, this.callerIdentityXml(req.caller));
        case 'AssumeRole':
          return queryResponse('sts', action, this.assumeRole(req.caller, req.params));
        default:
          throw new AwsServiceError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`, 400);
      }
    } catch (error) {
      return queryError('sts', asAwsError(error));
    }
  }

  async handleOrganizations(req: AwsRequest): Promise<AwsResponse> {
    try {
      return this.organizations.handle(req);
    } catch (error) {
      return jsonError(asAwsError(error));
    }
  }

  private callerIdentityXml(caller: CallerIdentity): string {
    const session = this.state.sessions[caller.accessKeyId];
    const userId = caller.principalType === 'assumed-role' ? `${session?.roleId ?? 'AROA'}:${caller.sessionName ?? ''}` : caller.accountId;
    return xmlElement('Arn', caller.arn) + xmlElement('UserId', userId) + xmlElement('Account', caller.accountId);
  }

  private assumeRole(caller: CallerIdentity, params: Record<string, unknown>): string {
    const roleArn = requiredString(params, 'RoleArn');
    const sessionName = requiredString(params, 'RoleSessionName');
    const externalId = optionalString(params, 'ExternalId');
    const policyTextParam = optionalString(params, 'Policy');
    const durationSeconds = optionalInteger(params, 'DurationSeconds') ?? 3600;
    if (!ROLE_ARN.test(roleArn)) throw new AwsServiceError('ValidationError', `${roleArn} is invalid`, 400);
    if (sessionName.length < 2 || sessionName.length > 64) {
      throw new AwsServiceError('ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64`, 400);
    }
    if (!SESSION_NAME.test(sessionName)) {
      throw new AwsServiceError('ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`, 400);
    }
    if (externalId !== undefined && !EXTERNAL_ID.test(externalId)) {
      throw new AwsServiceError('ValidationError', `1 validation error detected: Value '${externalId}' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:/-]*`, 400);
    }
    if (durationSeconds < 900 || durationSeconds > 43200) {
      throw new AwsServiceError('ValidationError', `1 validation error detected: Value '${durationSeconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`, 400);
    }
    let sessionPolicy: PolicyDocument | undefined;
    if (policyTextParam !== undefined) {
      sessionPolicy = parsePolicyDocument(policyTextParam, 'session');
      const size = policySize(policyTextParam);
      if (size > LIMITS.sessionPolicyChars) {
        throw new AwsServiceError('PackedPolicyTooLarge', `Packed policy consumes ${Math.round((size / LIMITS.sessionPolicyChars) * 100)}% of allotted space, please use smaller policy.`, 400);
      }
    }

    const context: ConditionContext = {
      ...this.baseContext(caller),
      'sts:RoleSessionName': sessionName,
      ...(externalId !== undefined ? { 'sts:ExternalId': externalId } : {}),
    };
    // The caller's own policies must let it call AssumeRole on that ARN.
    this.authorize(caller, 'sts:AssumeRole', roleArn, context);
    const notAuthorized = () =>
      new AwsServiceError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
    const role = this.model.roleByArn(roleArn);
    // A missing role, a role still propagating and a trust policy that says no all look the same, as in AWS.
    if (role === undefined || this.now() < role.assumableAt) throw notAuthorized();
    const principal: PrincipalRef = { type: 'AWS', accountId: caller.accountId, arn: caller.arn, ...(caller.roleArn !== undefined ? { roleArn: caller.roleArn } : {}) };
    const trust = evaluateTrustPolicy(JSON.parse(role.trustPolicy) as PolicyDocument, { principal, roleArn: role.arn, context });
    if (trust !== 'Allow') throw notAuthorized();

    // Role chaining caps the session at one hour, whatever the role allows.
    if (caller.principalType === 'assumed-role' && durationSeconds > 3600) {
      throw new AwsServiceError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.', 400);
    }
    if (durationSeconds > role.maxSessionDuration) {
      throw new AwsServiceError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.', 400);
    }
    const expiresAt = this.now() + durationSeconds * 1000;
    const session = this.issueSession(role, sessionName, sessionPolicy, expiresAt);
    return (
      '<Credentials>' +
      xmlElement('AccessKeyId', session.accessKeyId) +
      xmlElement('SecretAccessKey', session.secretAccessKey) +
      xmlElement('SessionToken', session.sessionToken) +
      xmlElement('Expiration', isoTime(expiresAt)) +
      '</Credentials>' +
      '<AssumedRoleUser>' +
      xmlElement('AssumedRoleId', `${role.roleId}:${sessionName}`) +
      xmlElement('Arn', `arn:aws:sts::${role.accountId}:assumed-role/${role.roleName}/${sessionName}`) +
      '</AssumedRoleUser>' +
      (policyTextParam !== undefined ? xmlElement('PackedPolicySize', Math.round((policySize(policyTextParam) / LIMITS.sessionPolicyChars) * 100)) : '')
    );
  }

  private issueSession(role: RoleRecord, sessionName: string, sessionPolicy: PolicyDocument | undefined, expiresAt: number | undefined): SessionRecord {
    let accessKeyId: string;
    do accessKeyId = randomId('ASIA', 16);
    while (this.state.sessions[accessKeyId] !== undefined || accessKeyId === ADMIN_ACCESS_KEY_ID);
    const session: SessionRecord = {
      accessKeyId,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(96).toString('base64')}`,
      accountId: role.accountId,
      roleArn: role.arn,
      roleName: role.roleName,
      roleId: role.roleId,
      sessionName,
      ...(sessionPolicy !== undefined ? { sessionPolicy } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    };
    this.pruneExpiredSessions();
    this.state.sessions[accessKeyId] = session;
    return session;
  }

  private pruneExpiredSessions(): void {
    const now = this.now();
    for (const [key, session] of Object.entries(this.state.sessions)) {
      if (session.expiresAt !== undefined && session.expiresAt <= now) delete this.state.sessions[key];
    }
  }

  // ---- control plane -----------------------------------------------------------------------

  createRole(accountId: string, options: CreateRoleOptions): { arn: string } {
    const role = this.model.createRole(accountId, {
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
    this.model.deleteRole(accountId, roleName);
  }

  updateAssumeRolePolicy(accountId: string, roleName: string, document: PolicyDocument | string): void {
    this.model.updateAssumeRolePolicy(accountId, roleName, policyText(document));
  }

  putRolePolicy(accountId: string, roleName: string, policyName: string, document: PolicyDocument | string): void {
    this.model.putRolePolicy(accountId, roleName, policyName, policyText(document));
  }

  deleteRolePolicy(accountId: string, roleName: string, policyName: string): void {
    this.model.deleteRolePolicy(accountId, roleName, policyName);
  }

  attachRolePolicy(accountId: string, roleName: string, policyArn: string): void {
    this.model.attachRolePolicy(accountId, roleName, policyArn);
  }

  detachRolePolicy(accountId: string, roleName: string, policyArn: string): void {
    this.model.detachRolePolicy(accountId, roleName, policyArn);
  }

  createPolicy(accountId: string, options: CreatePolicyOptions): { arn: string } {
    const record = this.model.createPolicy(accountId, {
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
    const role = this.model.roleByArn(roleArn);
    const denied = () =>
      new AwsServiceError('AccessDenied', `${servicePrincipal} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
    if (role === undefined) throw denied();
    const context: ConditionContext = {
      'aws:SourceAccount': options.sourceAccount ?? role.accountId,
      ...(options.sourceArn !== undefined ? { 'aws:SourceArn': options.sourceArn } : {}),
      'aws:PrincipalServiceName': servicePrincipal,
      'aws:CurrentTime': new Date(this.now()).toISOString(),
    };
    const trust = evaluateTrustPolicy(JSON.parse(role.trustPolicy) as PolicyDocument, {
      principal: { type: 'Service', service: servicePrincipal },
      roleArn: role.arn,
      context,
    });
    if (trust !== 'Allow') throw denied();
    const sessionName = (options.sessionName ?? servicePrincipal.split('.')[0] ?? 'service').replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
    const session = this.issueSession(role, sessionName.length >= 2 ? sessionName : `${sessionName}-session`, undefined, undefined);
    return { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken };
  }

  createAccount(name: string, email: string): { accountId: string; createAccountRequestId: string } {
    return this.organizations.createAccountOrThrow(name, email);
  }

  /** An existing account joining the organization: bootstrap role, but no CreateAccountResult event. */
  inviteAccount(name: string, email: string): { accountId: string } {
    return { accountId: this.organizations.createAccountOrThrow(name, email, 'INVITED').accountId };
  }

  setPropagationDelay(fn: () => number): void {
    this.propagationDelayMs = fn;
  }

  // ---- inspection --------------------------------------------------------------------------

  private roleView(role: RoleRecord): RoleView {
    return {
      accountId: role.accountId,
      roleName: role.roleName,
      roleId: role.roleId,
      arn: role.arn,
      path: role.path,
      createDate: isoTime(role.createDate),
      ...(role.description !== undefined ? { description: role.description } : {}),
      maxSessionDuration: role.maxSessionDuration,
      tags: role.tags.map((t) => ({ ...t })),
      assumeRolePolicyDocument: JSON.parse(role.trustPolicy) as PolicyDocument,
      inlinePolicies: Object.fromEntries(Object.entries(role.inlinePolicies).map(([name, text]) => [name, JSON.parse(text) as PolicyDocument])),
      attachedPolicyArns: [...role.attachedPolicyArns],
      assumableAt: new Date(role.assumableAt).toISOString(),
    };
  }

  getRole(accountId: string, roleName: string): RoleView | undefined {
    const role = this.model.findRole(accountId, roleName);
    return role === undefined ? undefined : this.roleView(role);
  }

  listRoles(accountId: string): RoleView[] {
    return this.model.roles(accountId).map((role) => this.roleView(role));
  }

  /** The account's customer managed policies. */
  listPolicies(accountId: string): PolicyView[] {
    return this.model.policies(accountId).map((record) => ({
      accountId: record.accountId,
      policyName: record.policyName,
      policyId: record.policyId,
      arn: record.arn,
      path: record.path,
      ...(record.description !== undefined ? { description: record.description } : {}),
      defaultVersionId: record.defaultVersionId,
      attachmentCount: this.model.attachmentCount(accountId, record.arn),
      document: this.model.policyDocument({ kind: 'local', arn: record.arn, record }),
      versions: record.versions.map((v) => ({
        versionId: v.versionId,
        isDefaultVersion: v.versionId === record.defaultVersionId,
        document: JSON.parse(v.document) as PolicyDocument,
      })),
      tags: record.tags.map((t) => ({ ...t })),
    }));
  }

  listAccounts(): Array<{ id: string; name: string; email: string }> {
    return this.state.organization.accounts.map((a) => ({ id: a.id, name: a.name, email: a.email }));
  }

  // ---- persistence -------------------------------------------------------------------------

  snapshot(): LocalIamState {
    return structuredClone(this.state);
  }

  restore(snapshot: unknown): void {
    const candidate = snapshot as Partial<LocalIamState> | null;
    if (
      candidate === null ||
      typeof candidate !== 'object' ||
      candidate.version !== 1 ||
      typeof candidate.accounts !== 'object' ||
      typeof candidate.sessions !== 'object' ||
      typeof candidate.organization !== 'object'
    ) {
      throw new Error('LocalIam.restore: not a LocalIam snapshot (version 1)');
    }
    this.state = structuredClone(candidate as LocalIamState);
    this.organizations.ensureManagementAccount();
  }
}
