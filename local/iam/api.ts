// The IAM query API: one function per operation. Each authorizes the caller on the resource AWS
// would name, acts on the caller's own account through the model and answers IAM-shaped XML.
import { escapeXml, xmlElement } from '../core/protocol.js';
import {
  memberList,
  membersXml,
  optionalBoolean,
  optionalInteger,
  optionalString,
  requiredString,
  serveQuery,
  tagList,
  type QueryOperation,
  type QueryParams,
  type QueryService,
} from '../core/query.js';
import { AwsServiceError, type AwsRequest, type AwsResponse, type Authorize, type CallerIdentity } from '../core/types.js';
import { requestTagContext, resourceTagContext } from './authorize.js';
import { awsManagedPolicyArn, listAwsManagedPolicies } from './managed-policies.js';
import type { IamModel, ResolvedPolicy } from './model.js';
import type { ConditionContext } from './policy-eval.js';
import type { RoleRecord } from './state.js';
import { simulatePrincipalPolicyXml } from './simulate.js';
import { noSuchEntity } from './validation.js';
import { encodeDocument, pageXml, paginate, policyFields, roleFields, roleXml, tagsXml, versionFields, versionView, versionsOf } from './xml.js';

/** One IAM call: the caller's account, its parameters, and authorization on the resources it names. */
class IamCall {
  readonly account: string;

  constructor(
    readonly model: IamModel,
    private readonly authorizer: Authorize,
    readonly caller: CallerIdentity,
    readonly params: QueryParams,
  ) {
    this.account = caller.accountId;
  }

  authorize(operation: string, resource: string, context?: ConditionContext): void {
    this.authorizer(this.caller, `iam:${operation}`, resource, context);
  }

  /** The RoleName role, once authorized: an existing role's ARN carries its path; a missing one is named at the root path, as AWS does. */
  role(operation: string, extra?: ConditionContext): RoleRecord {
    const roleName = requiredString(this.params, 'RoleName');
    const role = this.model.findRole(this.account, roleName);
    this.authorize(operation, role?.arn ?? `arn:aws:iam::${this.account}:role/${roleName}`, {
      ...(role !== undefined ? resourceTagContext(role.tags) : {}),
      ...extra,
    });
    return role ?? this.model.requireRole(this.account, roleName);
  }

  /** The PolicyArn policy (local or AWS managed), once authorized. */
  policy(operation: string): ResolvedPolicy {
    const arn = requiredString(this.params, 'PolicyArn');
    const existing = this.model.resolvePolicy(this.account, arn);
    this.authorize(operation, arn, existing?.kind === 'local' ? resourceTagContext(existing.record.tags) : undefined);
    return this.model.requirePolicy(this.account, arn);
  }

  policyXml(policy: ResolvedPolicy, detailed: boolean): string {
    return policyFields(policy, this.model.attachmentCount(this.account, policy.arn), detailed);
  }

  /** Paths filtered by PathPrefix ('/' when absent). */
  pathPrefix(): string {
    return optionalString(this.params, 'PathPrefix') ?? '/';
  }
}

type IamOperation = QueryOperation<IamCall>;

const policyPath = (p: ResolvedPolicy): string => (p.kind === 'aws' ? p.policy.path : p.record.path);

// ---- roles -----------------------------------------------------------------------------------

const createRole: IamOperation = (call) => {
  const { params, account } = call;
  const roleName = requiredString(params, 'RoleName');
  const path = optionalString(params, 'Path') ?? '/';
  const tags = tagList(params);
  const arn = `arn:aws:iam::${account}:role${path}${roleName}`;
  call.authorize('CreateRole', arn, requestTagContext(tags));
  // Tagging on create needs iam:TagRole as well, as in AWS.
  if (tags.length > 0) call.authorize('TagRole', arn, requestTagContext(tags));
  const description = optionalString(params, 'Description');
  const maxSessionDuration = optionalInteger(params, 'MaxSessionDuration');
  const role = call.model.createRole(account, {
    roleName,
    path,
    trustPolicy: requiredString(params, 'AssumeRolePolicyDocument'),
    tags,
    ...(description !== undefined ? { description } : {}),
    ...(maxSessionDuration !== undefined ? { maxSessionDuration } : {}),
  });
  return roleXml(role, true);
};

const getRole: IamOperation = (call) => roleXml(call.role('GetRole'), true);

const deleteRole: IamOperation = (call) => {
  call.model.deleteRole(call.account, call.role('DeleteRole').roleName);
  return '';
};

const listRoles: IamOperation = (call) => {
  const prefix = call.pathPrefix();
  call.authorize('ListRoles', `arn:aws:iam::${call.account}:role${prefix}*`);
  const page = paginate(call.model.roles(call.account).filter((r) => r.path.startsWith(prefix)), call.params);
  return membersXml('Roles', page.items.map((r) => roleFields(r, false))) + pageXml(page);
};

const tagRole: IamOperation = (call) => {
  const tags = tagList(call.params);
  call.model.tagRole(call.account, call.role('TagRole', requestTagContext(tags)).roleName, tags);
  return '';
};

const untagRole: IamOperation = (call) => {
  const keys = memberList(call.params, 'TagKeys');
  call.model.untagRole(call.account, call.role('UntagRole', keys.length > 0 ? { 'aws:TagKeys': keys } : {}).roleName, keys);
  return '';
};

const listRoleTags: IamOperation = (call) => {
  const page = paginate(call.role('ListRoleTags').tags, call.params);
  return tagsXml(page.items) + pageXml(page);
};

const updateAssumeRolePolicy: IamOperation = (call) => {
  const role = call.role('UpdateAssumeRolePolicy');
  call.model.updateAssumeRolePolicy(call.account, role.roleName, requiredString(call.params, 'PolicyDocument'));
  return '';
};

// ---- inline policies -------------------------------------------------------------------------

const putRolePolicy: IamOperation = (call) => {
  const role = call.role('PutRolePolicy');
  call.model.putRolePolicy(call.account, role.roleName, requiredString(call.params, 'PolicyName'), requiredString(call.params, 'PolicyDocument'));
  return '';
};

const getRolePolicy: IamOperation = (call) => {
  const role = call.role('GetRolePolicy');
  const policyName = requiredString(call.params, 'PolicyName');
  const text = call.model.getRolePolicy(call.account, role.roleName, policyName);
  return xmlElement('RoleName', role.roleName) + xmlElement('PolicyName', policyName) + xmlElement('PolicyDocument', encodeDocument(text));
};

const deleteRolePolicy: IamOperation = (call) => {
  const role = call.role('DeleteRolePolicy');
  call.model.deleteRolePolicy(call.account, role.roleName, requiredString(call.params, 'PolicyName'));
  return '';
};

const listRolePolicies: IamOperation = (call) => {
  const page = paginate(Object.keys(call.role('ListRolePolicies').inlinePolicies).sort(), call.params);
  return membersXml('PolicyNames', page.items.map(escapeXml)) + pageXml(page);
};

// ---- managed policy attachments --------------------------------------------------------------

const attachRolePolicy: IamOperation = (call) => {
  const policyArn = requiredString(call.params, 'PolicyArn');
  const role = call.role('AttachRolePolicy', { 'iam:PolicyARN': policyArn });
  call.model.attachRolePolicy(call.account, role.roleName, policyArn);
  return '';
};

const detachRolePolicy: IamOperation = (call) => {
  const policyArn = requiredString(call.params, 'PolicyArn');
  const role = call.role('DetachRolePolicy', { 'iam:PolicyARN': policyArn });
  call.model.detachRolePolicy(call.account, role.roleName, policyArn);
  return '';
};

const listAttachedRolePolicies: IamOperation = (call) => {
  const role = call.role('ListAttachedRolePolicies');
  const prefix = call.pathPrefix();
  const attached = role.attachedPolicyArns
    .map((arn) => call.model.resolvePolicy(call.account, arn))
    .filter((p): p is ResolvedPolicy => p !== undefined)
    .filter((p) => policyPath(p).startsWith(prefix));
  const page = paginate(attached, call.params);
  const members = page.items.map((p) => xmlElement('PolicyName', p.kind === 'aws' ? p.policy.name : p.record.policyName) + xmlElement('PolicyArn', p.arn));
  return membersXml('AttachedPolicies', members) + pageXml(page);
};

// ---- managed policies ------------------------------------------------------------------------

const createPolicy: IamOperation = (call) => {
  const { params, account } = call;
  const policyName = requiredString(params, 'PolicyName');
  const path = optionalString(params, 'Path') ?? '/';
  const tags = tagList(params);
  const arn = `arn:aws:iam::${account}:policy${path}${policyName}`;
  call.authorize('CreatePolicy', arn, requestTagContext(tags));
  if (tags.length > 0) call.authorize('TagPolicy', arn, requestTagContext(tags));
  const description = optionalString(params, 'Description');
  const record = call.model.createPolicy(account, {
    policyName,
    path,
    document: requiredString(params, 'PolicyDocument'),
    tags,
    ...(description !== undefined ? { description } : {}),
  });
  return `<Policy>${call.policyXml({ kind: 'local', arn: record.arn, record }, true)}</Policy>`;
};

const getPolicy: IamOperation = (call) => `<Policy>${call.policyXml(call.policy('GetPolicy'), true)}</Policy>`;

const deletePolicy: IamOperation = (call) => {
  call.model.deletePolicy(call.account, call.policy('DeletePolicy').arn);
  return '';
};

const listPolicies: IamOperation = (call) => {
  const { params, account, model } = call;
  const scope = optionalString(params, 'Scope') ?? 'All';
  if (!['All', 'AWS', 'Local'].includes(scope)) {
    throw new AwsServiceError('ValidationError', `1 validation error detected: Value '${scope}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]`, 400);
  }
  const prefix = call.pathPrefix();
  const onlyAttached = optionalBoolean(params, 'OnlyAttached') ?? false;
  call.authorize('ListPolicies', `arn:aws:iam::${account}:policy${prefix}*`);
  const all: ResolvedPolicy[] = [
    ...(scope !== 'Local' ? listAwsManagedPolicies().map((policy) => ({ kind: 'aws' as const, arn: awsManagedPolicyArn(policy), policy })) : []),
    ...(scope !== 'AWS' ? model.policies(account).map((record) => ({ kind: 'local' as const, arn: record.arn, record })) : []),
  ];
  const selected = all.filter((p) => policyPath(p).startsWith(prefix) && (!onlyAttached || model.attachmentCount(account, p.arn) > 0));
  const page = paginate(selected, params);
  return membersXml('Policies', page.items.map((p) => call.policyXml(p, false))) + pageXml(page);
};

const tagPolicy: IamOperation = (call) => {
  const tags = tagList(call.params);
  const arn = requiredString(call.params, 'PolicyArn');
  call.authorize('TagPolicy', arn, requestTagContext(tags));
  call.model.tagPolicy(call.account, arn, tags);
  return '';
};

const untagPolicy: IamOperation = (call) => {
  const keys = memberList(call.params, 'TagKeys');
  const arn = requiredString(call.params, 'PolicyArn');
  call.authorize('UntagPolicy', arn, keys.length > 0 ? { 'aws:TagKeys': keys } : {});
  call.model.untagPolicy(call.account, arn, keys);
  return '';
};

const listPolicyTags: IamOperation = (call) => {
  const policy = call.policy('ListPolicyTags');
  const page = paginate(policy.kind === 'local' ? policy.record.tags : [], call.params);
  return tagsXml(page.items) + pageXml(page);
};

// ---- managed policy versions -----------------------------------------------------------------

const getPolicyVersion: IamOperation = (call) => {
  const policy = call.policy('GetPolicyVersion');
  const versionId = requiredString(call.params, 'VersionId');
  const version = versionsOf(policy).find((v) => v.versionId === versionId);
  if (version === undefined) throw noSuchEntity(`Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`);
  return `<PolicyVersion>${versionFields(version, true)}</PolicyVersion>`;
};

const listPolicyVersions: IamOperation = (call) => {
  const page = paginate(versionsOf(call.policy('ListPolicyVersions')), call.params);
  return membersXml('Versions', page.items.map((v) => versionFields(v, false))) + pageXml(page);
};

const createPolicyVersion: IamOperation = (call) => {
  const policy = call.policy('CreatePolicyVersion');
  const setAsDefault = optionalBoolean(call.params, 'SetAsDefault') ?? false;
  const version = call.model.createPolicyVersion(call.account, policy.arn, requiredString(call.params, 'PolicyDocument'), setAsDefault);
  const record = call.model.requireLocalPolicy(call.account, policy.arn);
  return `<PolicyVersion>${versionFields(versionView(record, version), false)}</PolicyVersion>`;
};

const setDefaultPolicyVersion: IamOperation = (call) => {
  const policy = call.policy('SetDefaultPolicyVersion');
  call.model.setDefaultPolicyVersion(call.account, policy.arn, requiredString(call.params, 'VersionId'));
  return '';
};

const deletePolicyVersion: IamOperation = (call) => {
  const policy = call.policy('DeletePolicyVersion');
  call.model.deletePolicyVersion(call.account, policy.arn, requiredString(call.params, 'VersionId'));
  return '';
};

// ---- policy simulation ------------------------------------------------------------------------

const simulatePrincipalPolicy: IamOperation = (call) => {
  call.authorize('SimulatePrincipalPolicy', requiredString(call.params, 'PolicySourceArn'));
  return simulatePrincipalPolicyXml(call.model, call.params);
};

/** The operations IAM serves, by action name. */
export const operations: Readonly<Record<string, IamOperation>> = {
  CreateRole: createRole,
  GetRole: getRole,
  DeleteRole: deleteRole,
  ListRoles: listRoles,
  TagRole: tagRole,
  UntagRole: untagRole,
  ListRoleTags: listRoleTags,
  UpdateAssumeRolePolicy: updateAssumeRolePolicy,
  PutRolePolicy: putRolePolicy,
  GetRolePolicy: getRolePolicy,
  DeleteRolePolicy: deleteRolePolicy,
  ListRolePolicies: listRolePolicies,
  AttachRolePolicy: attachRolePolicy,
  DetachRolePolicy: detachRolePolicy,
  ListAttachedRolePolicies: listAttachedRolePolicies,
  CreatePolicy: createPolicy,
  GetPolicy: getPolicy,
  DeletePolicy: deletePolicy,
  ListPolicies: listPolicies,
  TagPolicy: tagPolicy,
  UntagPolicy: untagPolicy,
  ListPolicyTags: listPolicyTags,
  GetPolicyVersion: getPolicyVersion,
  ListPolicyVersions: listPolicyVersions,
  CreatePolicyVersion: createPolicyVersion,
  SetDefaultPolicyVersion: setDefaultPolicyVersion,
  DeletePolicyVersion: deletePolicyVersion,
  SimulatePrincipalPolicy: simulatePrincipalPolicy,
};

/** Serves one IAM query-protocol request. */
export function handleIam(model: IamModel, authorize: Authorize, req: AwsRequest): AwsResponse {
  const api: QueryService<IamCall> = {
    service: 'iam',
    apiVersion: '2010-05-08',
    operations,
    call: (caller, params) => new IamCall(model, authorize, caller, params),
  };
  return serveQuery(api, req);
}
