// Within one account, how a role's trust policy names its caller decides whether it grants
// AssumeRole on its own (a resource-based policy naming the principal) or only delegates to the
// caller's identity policies (naming the account). Pure, like the evaluation it builds on.
import type { PolicyDocument } from '../core/types.js';
import {
  evaluatePolicy,
  statementApplies,
  statementsOf,
  toArray,
  type ConditionContext,
  type EvaluationRequest,
  type PrincipalRef,
} from './policy-eval.js';

/**
 * How an allowing trust policy names its caller: `principal` when a statement names the caller
 * itself (a user's ARN, a role session's ARN), `role` when it names the calling session's role,
 * `account` when only its account (root ARN or id) or `*` lets it in; undefined when the policy
 * does not allow the caller. Within one account AWS lets the first two in on the trust policy
 * alone, while `account` delegates the decision to the caller's identity policies.
 */
export function trustPolicyGrant(
  document: PolicyDocument,
  request: { principal: Extract<PrincipalRef, { type: 'AWS' }>; roleArn?: string; context?: ConditionContext },
): 'principal' | 'role' | 'account' | undefined {
  const evaluation: EvaluationRequest = {
    action: 'sts:AssumeRole',
    principal: request.principal,
    ...(request.roleArn !== undefined ? { resource: request.roleArn } : {}),
    ...(request.context !== undefined ? { context: request.context } : {}),
  };
  if (evaluatePolicy(document, evaluation) !== 'Allow') return undefined;
  const named = statementsOf(document)
    .filter((statement) => statement.Effect === 'Allow' && statement.Principal !== undefined && statement.Principal !== '*')
    .filter((statement) => statementApplies(statement, evaluation))
    .flatMap((statement) => toArray((statement.Principal as Record<string, string | string[]>).AWS));
  if (named.includes(request.principal.arn)) return 'principal';
  if (request.principal.roleArn !== undefined && named.includes(request.principal.roleArn)) return 'role';
  return 'account';
}
