// Authorization of every call to every local service: the caller's identity-based policies
// intersected with its session policy, with the condition keys AWS sets on each request.
import { missingAuthentication } from '../core/query.js';
import { AwsServiceError, type Authorize, type CallerIdentity, type PolicyDocument } from '../core/types.js';
import type { IamModel } from './model.js';
import { evaluatePolicies, evaluatePolicy, type ConditionContext } from './policy-eval.js';
import type { Tag } from './state.js';

export interface AuthorizerOptions {
  model: IamModel;
  region: string;
  now: () => number;
  /** `aws:userid` of a caller: the role's unique id and the session name for a role session (STS knows it). */
  userId: (caller: CallerIdentity) => string;
}

/** aws:PrincipalType by kind of caller. */
const PRINCIPAL_TYPES: Record<CallerIdentity['principalType'], string> = { 'account-root': 'Account', user: 'User', 'assumed-role': 'AssumedRole' };

/** AccessDenied for the query services and S3; the JSON services call it AccessDeniedException. */
function accessDeniedError(action: string, message: string): AwsServiceError {
  const service = action.split(':')[0]?.toLowerCase() ?? '';
  if (service === 'iam' || service === 'sts' || service === 's3') return new AwsServiceError('AccessDenied', message, 403);
  const status = service === 'lambda' ? 403 : 400;
  return new AwsServiceError('AccessDeniedException', message, status);
}

/** `aws:RequestTag/...` and `aws:TagKeys` of a request that sets tags. */
export function requestTagContext(tags: Tag[]): ConditionContext {
  if (tags.length === 0) return {};
  const context: ConditionContext = { 'aws:TagKeys': tags.map((t) => t.Key) };
  for (const tag of tags) context[`aws:RequestTag/${tag.Key}`] = tag.Value;
  return context;
}

/** `aws:ResourceTag/...` (and IAM's own `iam:ResourceTag/...`) of the resource acted on. */
export function resourceTagContext(tags: Tag[]): ConditionContext {
  const context: ConditionContext = {};
  for (const tag of tags) {
    context[`aws:ResourceTag/${tag.Key}`] = tag.Value;
    context[`iam:ResourceTag/${tag.Key}`] = tag.Value;
  }
  return context;
}

/**
 * What a same-account resource-based policy (here: a role's trust policy) already granted by naming
 * the caller, which an implicit deny cannot take back: `identity` waives the identity-based
 * policies (the role was named, its session policy still limits), `all` waives the session policy
 * too (the user or the session itself was named). Explicit denies always win.
 */
export type ResourcePolicyGrant = 'none' | 'identity' | 'all';

/** The account an ARN names (its fifth field), when it is an account id. */
function accountOf(resource: string): string | undefined {
  const account = resource.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

export class Authorizer {
  constructor(private readonly options: AuthorizerOptions) {}

  /**
   * The global condition keys of a request by `caller` on `resource`. aws:ResourceAccount is the
   * account the resource ARN names; a `*` resource (the List operations) is the caller's own account.
   */
  requestContext(caller: CallerIdentity, resource?: string): ConditionContext {
    const now = this.options.now();
    const resourceAccount = resource === '*' ? caller.accountId : resource !== undefined ? accountOf(resource) : undefined;
    return {
      'aws:PrincipalArn': caller.roleArn ?? caller.arn,
      'aws:PrincipalAccount': caller.accountId,
      'aws:PrincipalType': PRINCIPAL_TYPES[caller.principalType],
      'aws:userid': this.options.userId(caller),
      ...(caller.principalType === 'user' ? { 'aws:username': caller.arn.split('/').pop() ?? '' } : {}),
      ...(resourceAccount !== undefined ? { 'aws:ResourceAccount': resourceAccount } : {}),
      'aws:CurrentTime': new Date(now).toISOString(),
      'aws:EpochTime': String(Math.floor(now / 1000)),
      'aws:RequestedRegion': this.options.region,
      'aws:SecureTransport': 'false',
    };
  }

  /** The identity-based policies of the caller's user or role, if it is one of this cloud's. */
  private identityPoliciesOf(caller: CallerIdentity): PolicyDocument[] | undefined {
    const holder =
      caller.principalType === 'user'
        ? this.options.model.users.find(caller.arn)
        : caller.roleArn !== undefined
          ? this.options.model.roleByArn(caller.roleArn)
          : undefined;
    if (holder === undefined || holder.accountId !== caller.accountId) return undefined;
    return this.options.model.identityPolicies(holder);
  }

  /** Why the request is denied (the tail of AWS's message), or undefined when it is allowed. */
  private denialReason(caller: CallerIdentity, action: string, resource: string, extra: ConditionContext | undefined, grant: ResourcePolicyGrant): string | undefined {
    const resourceAccount = accountOf(resource);
    const crossAccount = resourceAccount !== undefined && resourceAccount !== caller.accountId;
    // Without resource policies in this emulator, only AssumeRole (decided by the trust policy) crosses accounts.
    if (crossAccount && action.toLowerCase() !== 'sts:assumerole') return `because no resource-based policy allows the ${action} action`;
    if (caller.principalType === 'account-root') return undefined;
    const policies = this.identityPoliciesOf(caller);
    if (policies === undefined) return `because no identity-based policy allows the ${action} action`;
    const request = { action, resource, context: { ...this.requestContext(caller, resource), ...extra } };
    const identity = evaluatePolicies(policies, request);
    if (identity === 'ExplicitDeny') return 'with an explicit deny in an identity-based policy';
    const session = caller.sessionPolicy !== undefined ? evaluatePolicy(caller.sessionPolicy, request) : 'Allow';
    if (session === 'ExplicitDeny') return 'with an explicit deny in a session policy';
    // A resource-based policy grants only within its own account; across accounts both sides must allow.
    const waived = crossAccount ? 'none' : grant;
    if (identity !== 'Allow' && waived === 'none') return `because no identity-based policy allows the ${action} action`;
    if (session !== 'Allow' && waived !== 'all') return `because no session policy allows the ${action} action`;
    return undefined;
  }

  /**
   * Identity-based policies ∩ session policy, minus what a same-account resource-based policy
   * already granted (`grant`); the account root is allowed on its own account's resources.
   */
  authorizeWith(caller: CallerIdentity | undefined, action: string, resource: string, conditionContext: ConditionContext | undefined, grant: ResourcePolicyGrant): void {
    if (caller === undefined) throw missingAuthentication(action.split(':')[0] ?? '');
    const reason = this.denialReason(caller, action, resource, conditionContext, grant);
    if (reason !== undefined) {
      throw accessDeniedError(action, `User: ${caller.arn} is not authorized to perform: ${action} on resource: ${resource} ${reason}`);
    }
  }

  /** Identity-based policies ∩ session policy; account root is allowed on its own account's resources. */
  readonly authorize: Authorize = (caller, action, resource, conditionContext) => this.authorizeWith(caller, action, resource, conditionContext, 'none');
}
