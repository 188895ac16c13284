// STS of the local cloud: who an access key is (an IAM user's long-term key, such as the local
// administrator's, or a live role session), and role sessions issued by AssumeRole (caller's
// policies, trust policy, propagation delay) or to AWS services (a function's role credentials).
// No wire format here.
import { randomBytes } from 'node:crypto';
import { ChangeLog } from '../core/changes.js';
import { AwsServiceError, type CallerIdentity, type PolicyDocument } from '../core/types.js';
import type { Authorizer, ResourcePolicyGrant } from '../iam/authorize.js';
import type { IamModel } from '../iam/model.js';
import { evaluateTrustPolicy, type ConditionContext } from '../iam/policy-eval.js';
import { recordKeys } from '../iam/records.js';
import type { RoleRecord } from '../iam/state.js';
import { trustPolicyGrant } from '../iam/trust-policy.js';
import { ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY } from '../iam/users.js';
import { randomId } from '../iam/validation.js';
import type { SessionRecord, Sessions } from './state.js';
import { checkAssumeRoleInput, checkSessionDuration } from './validation.js';

export { ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY } from '../iam/users.js';

/** How much of the caller's own policies a trust policy naming it makes unnecessary (see ResourcePolicyGrant). */
const GRANT_BY_NAMING: Record<NonNullable<ReturnType<typeof trustPolicyGrant>>, ResourcePolicyGrant> = { principal: 'all', role: 'identity', account: 'none' };

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

export interface AssumeRoleInput {
  roleArn: string;
  roleSessionName: string;
  externalId?: string;
  /** The session policy as the caller sent it (JSON text). */
  policy?: string;
  durationSeconds: number;
}

export interface AssumedRole {
  session: SessionRecord;
  /** epoch ms */
  expiresAt: number;
  /** The session policy's share of the packed policy quota, in percent. */
  packedPolicySize?: number;
}

export interface StsModelOptions {
  iam: IamModel;
  authorizer: Authorizer;
  now: () => number;
  /** Where issued and expired sessions are recorded for persistence. */
  changes?: ChangeLog;
}

/** The caller as a trust policy's Principal element matches it. */
function principalOf(caller: CallerIdentity): { type: 'AWS'; accountId: string; arn: string; roleArn?: string } {
  return { type: 'AWS', accountId: caller.accountId, arn: caller.arn, ...(caller.roleArn !== undefined ? { roleArn: caller.roleArn } : {}) };
}

/** How often issuing a session also sweeps out expired ones (an expired key resolves to nothing anyway). */
const PRUNE_INTERVAL_MS = 60_000;

export class StsModel {
  private sessions: Sessions = {};
  private readonly changes: ChangeLog;
  /**
   * The session last issued to each AWS service for a role (by principal, session name and source),
   * reused while it lives, as a service holds on to the credentials it assumed: a state machine's
   * thousand Lambda tasks run as one session, not a thousand sessions kept forever.
   */
  private readonly serviceSessions = new Map<string, string>();
  private prunedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: StsModelOptions) {
    this.changes = options.changes ?? new ChangeLog();
  }

  adminCredentials(): { accessKeyId: typeof ADMIN_ACCESS_KEY_ID; secretAccessKey: typeof ADMIN_SECRET_ACCESS_KEY } {
    return { accessKeyId: ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN_SECRET_ACCESS_KEY };
  }

  /** An access key's secret and identity: an IAM user's key, or a live role session (expired sessions are unknown). */
  resolveCredentials(accessKeyId: string): { secretAccessKey: string; identity: CallerIdentity } | undefined {
    const owner = this.options.iam.users.findByAccessKey(accessKeyId);
    if (owner !== undefined) {
      const { user, secretAccessKey } = owner;
      return { secretAccessKey, identity: { accessKeyId, accountId: user.accountId, arn: user.arn, principalType: 'user', userId: user.userId } };
    }
    const session = this.sessions[accessKeyId];
    if (session === undefined) return undefined;
    if (session.expiresAt !== undefined && session.expiresAt <= this.options.now()) return undefined;
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

  /** `aws:userid` and GetCallerIdentity's UserId: role id and session name, a user's id, or the root's account id. */
  userId(caller: CallerIdentity): string {
    if (caller.principalType === 'user') return caller.userId ?? caller.accountId;
    if (caller.principalType !== 'assumed-role') return caller.accountId;
    return `${this.sessions[caller.accessKeyId]?.roleId ?? 'AROA'}:${caller.sessionName ?? ''}`;
  }

  assumeRole(caller: CallerIdentity, input: AssumeRoleInput): AssumedRole {
    const { sessionPolicy, packedPolicySize } = checkAssumeRoleInput(input);
    if (caller.principalType === 'account-root') throw new AwsServiceError('AccessDenied', 'Roles may not be assumed by root accounts.', 403);
    const context: ConditionContext = {
      ...this.options.authorizer.requestContext(caller, input.roleArn),
      'sts:RoleSessionName': input.roleSessionName,
      ...(input.externalId !== undefined ? { 'sts:ExternalId': input.externalId } : {}),
    };
    // The caller's own policies must let it call AssumeRole on that ARN, unless (in its own
    // account) the trust policy names it: then the trust policy grants on its own.
    const grant = this.trustGrant(caller, input.roleArn, context);
    this.options.authorizer.authorizeWith(caller, 'sts:AssumeRole', input.roleArn, context, grant);
    const role = this.trustingRole(caller, input.roleArn, context);
    checkSessionDuration(input.durationSeconds, role, caller.principalType === 'assumed-role');
    const expiresAt = this.options.now() + input.durationSeconds * 1000;
    const session = this.issueSession(role, input.roleSessionName, sessionPolicy, expiresAt);
    return { session, expiresAt, ...(packedPolicySize !== undefined ? { packedPolicySize } : {}) };
  }

  /** What the role's trust policy grants the caller by naming it (nothing for a role that does not exist or has not propagated). */
  private trustGrant(caller: CallerIdentity, roleArn: string, context: ConditionContext): ResourcePolicyGrant {
    const role = this.options.iam.roleByArn(roleArn);
    if (role === undefined || this.options.now() < role.assumableAt) return 'none';
    const naming = trustPolicyGrant(JSON.parse(role.trustPolicy) as PolicyDocument, { principal: principalOf(caller), roleArn: role.arn, context });
    return naming === undefined ? 'none' : GRANT_BY_NAMING[naming];
  }

  /** The role, if it has propagated and its trust policy lets the caller in. */
  private trustingRole(caller: CallerIdentity, roleArn: string, context: ConditionContext): RoleRecord {
    const notAuthorized = () =>
      new AwsServiceError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
    const role = this.options.iam.roleByArn(roleArn);
    // A missing role, a role still propagating and a trust policy that says no all look the same, as in AWS.
    if (role === undefined || this.options.now() < role.assumableAt) throw notAuthorized();
    const trust = evaluateTrustPolicy(JSON.parse(role.trustPolicy) as PolicyDocument, { principal: principalOf(caller), roleArn: role.arn, context });
    if (trust !== 'Allow') throw notAuthorized();
    return role;
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
    const role = this.options.iam.roleByArn(roleArn);
    const denied = () =>
      new AwsServiceError('AccessDenied', `${servicePrincipal} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
    if (role === undefined) throw denied();
    const context: ConditionContext = {
      'aws:SourceAccount': options.sourceAccount ?? role.accountId,
      ...(options.sourceArn !== undefined ? { 'aws:SourceArn': options.sourceArn } : {}),
      'aws:PrincipalServiceName': servicePrincipal,
      'aws:CurrentTime': new Date(this.options.now()).toISOString(),
    };
    const trust = evaluateTrustPolicy(JSON.parse(role.trustPolicy) as PolicyDocument, {
      principal: { type: 'Service', service: servicePrincipal },
      roleArn: role.arn,
      context,
    });
    if (trust !== 'Allow') throw denied();
    const name = (options.sessionName ?? servicePrincipal.split('.')[0] ?? 'service').replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
    const sessionName = name.length >= 2 ? name : `${name}-session`;
    const reuseKey = JSON.stringify([role.arn, servicePrincipal, sessionName, options.sourceAccount, options.sourceArn]);
    const held = this.sessions[this.serviceSessions.get(reuseKey) ?? ''];
    // A role deleted and created again under the same name is another role: its sessions are not reused.
    const session = held !== undefined && held.roleId === role.roleId ? held : this.issueSession(role, sessionName, undefined, undefined);
    this.serviceSessions.set(reuseKey, session.accessKeyId);
    return { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken };
  }

  private issueSession(role: RoleRecord, sessionName: string, sessionPolicy: PolicyDocument | undefined, expiresAt: number | undefined): SessionRecord {
    let accessKeyId: string;
    do accessKeyId = randomId('ASIA', 16);
    while (this.sessions[accessKeyId] !== undefined || this.options.iam.users.findByAccessKey(accessKeyId) !== undefined);
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
    this.sessions[accessKeyId] = session;
    this.changes.put(recordKeys.session(accessKeyId), () => session);
    return session;
  }

  private pruneExpiredSessions(): void {
    const now = this.options.now();
    if (now - this.prunedAt < PRUNE_INTERVAL_MS) return;
    this.prunedAt = now;
    for (const [key, session] of Object.entries(this.sessions)) {
      if (session.expiresAt !== undefined && session.expiresAt <= now) {
        delete this.sessions[key];
        this.changes.delete(recordKeys.session(key));
      }
    }
  }

  snapshot(): Sessions {
    return structuredClone(this.sessions);
  }

  restore(sessions: Sessions): void {
    this.serviceSessions.clear();
    this.sessions = structuredClone(sessions);
  }
}
