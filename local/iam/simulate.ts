// iam:SimulatePrincipalPolicy: a principal's identity-based policies evaluated for each action and
// resource asked about, by the same evaluation that authorizes every call to the local cloud.
// As in AWS, only the context entries the caller supplies are known: no global keys are filled in.
import { xmlElement } from '../core/protocol.js';
import { membersXml, memberList, requiredString, type QueryParams } from '../core/query.js';
import { AwsServiceError, type PolicyDocument } from '../core/types.js';
import type { IamModel, PolicyHolder } from './model.js';
import { evaluatePolicies, statementApplies, statementsOf, type ConditionContext, type EvaluationRequest } from './policy-eval.js';
import { noSuchEntity } from './validation.js';

/** One identity-based policy of the principal, named as AWS names it in MatchedStatements. */
interface PolicySource {
  id: string;
  type: 'role' | 'user' | 'user-managed' | 'aws-managed';
  document: PolicyDocument;
}

/** AWS's EvalDecision spelling of the emulator's decisions. */
const EVAL_DECISIONS = { Allow: 'allowed', ExplicitDeny: 'explicitDeny', ImplicitDeny: 'implicitDeny' } as const;

/** The role or user `arn` names, with whether it is a user. */
function principalOf(model: IamModel, arn: string): { holder: PolicyHolder; isUser: boolean } {
  const user = model.users.find(arn);
  if (user !== undefined) return { holder: user, isUser: true };
  const role = model.roleByArn(arn);
  if (role !== undefined) return { holder: role, isUser: false };
  if (!/^arn:[^:]+:iam::\d{12}:(role|user)\//.test(arn)) {
    throw new AwsServiceError('InvalidInput', `Invalid PolicySourceArn: ${arn}. It must be the ARN of an IAM user or role.`, 400);
  }
  throw noSuchEntity(`The ${arn.includes(':user/') ? 'user' : 'role'} ${arn} cannot be found.`);
}

function policySources(model: IamModel, holder: PolicyHolder, isUser: boolean): PolicySource[] {
  const inline = Object.entries(holder.inlinePolicies).map(([name, text]): PolicySource => ({
    id: name,
    type: isUser ? 'user' : 'role',
    document: JSON.parse(text) as PolicyDocument,
  }));
  const managed = holder.attachedPolicyArns.flatMap((arn): PolicySource[] => {
    const policy = model.resolvePolicy(holder.accountId, arn);
    if (policy === undefined) return [];
    const type = policy.kind === 'aws' ? 'aws-managed' : 'user-managed';
    return [{ id: arn.split('/').pop() ?? arn, type, document: model.policyDocument(policy) }];
  });
  return [...inline, ...managed];
}

/** `ContextEntries.member.N.{ContextKeyName, ContextKeyValues.member.M}` as a condition context. */
function contextEntries(params: QueryParams): ConditionContext {
  const context: ConditionContext = {};
  for (let index = 1; params[`ContextEntries.member.${index}.ContextKeyName`] !== undefined; index += 1) {
    const name = String(params[`ContextEntries.member.${index}.ContextKeyName`]);
    const values = memberList(params, `ContextEntries.member.${index}.ContextKeyValues`);
    context[name] = values.length === 1 ? values[0]! : values;
  }
  return context;
}

function evaluationResultXml(sources: PolicySource[], request: EvaluationRequest): string {
  const decision = evaluatePolicies(sources.map((source) => source.document), request);
  const matched = sources.flatMap((source) =>
    statementsOf(source.document).some((statement) => statementApplies(statement, request))
      ? [xmlElement('SourcePolicyId', source.id) + xmlElement('SourcePolicyType', source.type)]
      : [],
  );
  return (
    xmlElement('EvalActionName', request.action) +
    xmlElement('EvalResourceName', request.resource ?? '*') +
    xmlElement('EvalDecision', EVAL_DECISIONS[decision]) +
    membersXml('MatchedStatements', matched) +
    membersXml('MissingContextValues', [])
  );
}

/** The SimulatePrincipalPolicy result body, once the caller is authorized on PolicySourceArn. */
export function simulatePrincipalPolicyXml(model: IamModel, params: QueryParams): string {
  const sourceArn = requiredString(params, 'PolicySourceArn');
  const actions = memberList(params, 'ActionNames');
  if (actions.length === 0) throw new AwsServiceError('ValidationError', "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null", 400);
  const resources = memberList(params, 'ResourceArns');
  const { holder, isUser } = principalOf(model, sourceArn);
  const sources = policySources(model, holder, isUser);
  const context = contextEntries(params);
  const results = actions.flatMap((action) =>
    (resources.length > 0 ? resources : ['*']).map((resource) => evaluationResultXml(sources, { action, resource, context })),
  );
  return membersXml('EvaluationResults', results) + xmlElement('IsTruncated', 'false');
}
