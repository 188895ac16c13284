// Authorization of every call to every local service: the caller's identity-based policies
// intersected with its session policy, with the condition keys AWS sets on each request.
import { missingAuthentication } from '../core/query.js';
import { AwsServiceError, type Authorize, type CallerIdentity } from '../core/types.js';
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

export class Authorizer {
  constructor(private readonly options: AuthorizerOptions) {}

  /** The global condition keys of any request by `caller`. */
  requestContext(caller: CallerIdentity): ConditionContext {
    const now = this.options.now();
    return {
      'aws:PrincipalArn': caller.roleArn ?? caller.arn,
      'aws:PrincipalAccount': caller.accountId,
      'aws:PrincipalType': caller.principalType === 'assumed-role' ? 'AssumedRole' : 'Account',
      'aws:userid': this.options.userId(caller),
      'aws:CurrentTime': new Date(now).toISOString(),
      'aws:EpochTime': String(Math.floor(now / 1000)),
      'aws:RequestedRegion': this.options.region,
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
    const role = caller.roleArn !== undefined ? this.options.model.roleByArn(caller.roleArn) : undefined;
    if (role === undefined || role.accountId !== caller.accountId) return `because no identity-based policy allows the ${action} action`;
    const request = { action, resource, context: { ...this.requestContext(caller), ...extra } };
    const identity = evaluatePolicies(this.options.model.identityPolicies(role), request);
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
}
