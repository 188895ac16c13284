// The IAM query API: each operation authorizes the caller on the resource AWS would name, then
// acts on the caller's own account through the shared model and answers IAM-shaped XML.
import { escapeXml, xmlElement } from '../core/protocol.js';
import { AwsServiceError, type Authorize, type CallerIdentity } from '../core/types.js';
import type { IamModel, ResolvedPolicy } from './iam-model.js';
import { listAwsManagedPolicies, awsManagedPolicyArn } from './managed-policies.js';
import type { ConditionContext } from './policy-eval.js';
import {
  encodeDocument,
  isoTime,
  membersXml,
  memberList,
  optionalBoolean,
  optionalInteger,
  optionalString,
  pageXml,
  paginate,
  requiredString,
  tagList,
  tagsXml,
} from './query.js';
import type { RoleRecord, Tag } from './state.js';

export interface IamApiContext {
  model: IamModel;
  authorize: Authorize;
}

type Params = Record<string, unknown>;

function roleFields(role: RoleRecord, withTags: boolean): string {
  return (
    xmlElement('Path', role.path) +
    xmlElement('RoleName', role.roleName) +
    xmlElement('RoleId', role.roleId) +
    xmlElement('Arn', role.arn) +
    xmlElement('CreateDate', isoTime(role.createDate)) +
    xmlElement('AssumeRolePolicyDocument', encodeDocument(role.trustPolicy)) +
    xmlElement('Description', role.description) +
    xmlElement('MaxSessionDuration', role.maxSessionDuration) +
    (withTags && role.tags.length > 0 ? tagsXml(role.tags) : '')
  );
}

function roleXml(role: RoleRecord, withTags: boolean): string {
  return `<Role>${roleFields(role, withTags)}</Role>`;
}

function policyXml(model: IamModel, accountId: string, policy: ResolvedPolicy, withTags: boolean): string {
  const count = model.attachmentCount(accountId, policy.arn);
  if (policy.kind === 'aws') {
    const p = policy.policy;
    return (
      xmlElement('PolicyName', p.name) +
      xmlElement('PolicyId', p.policyId) +
      xmlElement('Arn', policy.arn) +
      xmlElement('Path', p.path) +
      xmlElement('DefaultVersionId', p.versionId) +
      xmlElement('AttachmentCount', count) +
      xmlElement('PermissionsBoundaryUsageCount', 0) +
      xmlElement('IsAttachable', true) +
      xmlElement('Description', withTags ? p.description : undefined) +
      xmlElement('CreateDate', p.createDate) +
      xmlElement('UpdateDate', p.updateDate)
    );
  }
  const r = policy.record;
  return (
    xmlElement('PolicyName', r.policyName) +
    xmlElement('PolicyId', r.policyId) +
    xmlElement('Arn', r.arn) +
    xmlElement('Path', r.path) +
    xmlElement('DefaultVersionId', r.defaultVersionId) +
    xmlElement('AttachmentCount', count) +
    xmlElement('PermissionsBoundaryUsageCount', 0) +
    xmlElement('IsAttachable', true) +
    // Like AWS, ListPolicies leaves the description and tags out; GetPolicy/CreatePolicy include them.
    xmlElement('Description', withTags ? r.description : undefined) +
    xmlElement('CreateDate', isoTime(r.createDate)) +
    xmlElement('UpdateDate', isoTime(r.updateDate)) +
    (withTags && r.tags.length > 0 ? tagsXml(r.tags) : '')
  );
}

function requestTagContext(tags: Tag[]): ConditionContext {
  if (tags.length === 0) return {};
  const context: ConditionContext = { 'aws:TagKeys': tags.map((t) => t.Key) };
  for (const tag of tags) context[`aws:RequestTag/${tag.Key}`] = tag.Value;
  return context;
}

function resourceTagContext(tags: Tag[]): ConditionContext {
  const context: ConditionContext = {};
  for (const tag of tags) {
    context[`aws:ResourceTag/${tag.Key}`] = tag.Value;
    context[`iam:ResourceTag/${tag.Key}`] = tag.Value;
  }
  return context;
}

/** Runs one IAM operation for an authenticated caller and returns the XML inside `<ActionResult>` ('' for none). */
export function runIamAction(ctx: IamApiContext, caller: CallerIdentity, action: string, params: Params): string {
  const { model } = ctx;
  const account = caller.accountId;
  const authorize = (operation: string, resource: string, context?: ConditionContext) =>
    ctx.authorize(caller, `iam:${operation}`, resource, context);

  /** An existing role's ARN carries its path; a missing one is named at the root path, as AWS does. */
  const roleFor = (operation: string, extra?: ConditionContext): RoleRecord => {
    const roleName = requiredString(params, 'RoleName');
    const role = model.findRole(account, roleName);
    authorize(operation, role?.arn ?? `arn:aws:iam::${account}:role/${roleName}`, {
      ...(role !== undefined ? resourceTagContext(role.tags) : {}),
      ...extra,
    });
    return role ?? model.requireRole(account, roleName);
  };
  const policyFor = (operation: string): ResolvedPolicy => {
    const arn = requiredString(params, 'PolicyArn');
    const existing = model.resolvePolicy(account, arn);
    authorize(operation, arn, existing?.kind === 'local' ? resourceTagContext(existing.record.tags) : undefined);
    return model.requirePolicy(account, arn);
  };

  switch (action) {
    case 'CreateRole': {
      const roleName = requiredString(params, 'RoleName');
      const path = optionalString(params, 'Path') ?? '/';
      const tags = tagList(params);
      const arn = `arn:aws:iam::${account}:role${path}${roleName}`;
      authorize('CreateRole', arn, requestTagContext(tags));
      // Tagging on create needs iam:TagRole as well, as in AWS.
      if (tags.length > 0) authorize('TagRole', arn, requestTagContext(tags));
      const description = optionalString(params, 'Description');
      const maxSessionDuration = optionalInteger(params, 'MaxSessionDuration');
      const role = model.createRole(account, {
        roleName,
        path,
        trustPolicy: requiredString(params, 'AssumeRolePolicyDocument'),
        tags,
        ...(description !== undefined ? { description } : {}),
        ...(maxSessionDuration !== undefined ? { maxSessionDuration } : {}),
      });
      return roleXml(role, true);
    }
    case 'GetRole':
      return roleXml(roleFor('GetRole'), true);
    case 'DeleteRole': {
      const role = roleFor('DeleteRole');
      model.deleteRole(account, role.roleName);
      return '';
    }
    case 'ListRoles': {
      const prefix = optionalString(params, 'PathPrefix') ?? '/';
      authorize('ListRoles', `arn:aws:iam::${account}:role${prefix}*`);
      const page = paginate(model.roles(account).filter((r) => r.path.startsWith(prefix)), params);
      return membersXml('Roles', page.items.map((r) => roleFields(r, false))) + pageXml(page);
    }
    case 'TagRole': {
      const tags = tagList(params);
      const role = roleFor('TagRole', requestTagContext(tags));
      model.tagRole(account, role.roleName, tags);
      return '';
    }
    case 'UntagRole': {
      const keys = memberList(params, 'TagKeys');
      const role = roleFor('UntagRole', keys.length > 0 ? { 'aws:TagKeys': keys } : {});
      model.untagRole(account, role.roleName, keys);
      return '';
    }
    case 'ListRoleTags': {
      const role = roleFor('ListRoleTags');
      const page = paginate(role.tags, params);
      return tagsXml(page.items) + pageXml(page);
    }
    case 'UpdateAssumeRolePolicy': {
      const role = roleFor('UpdateAssumeRolePolicy');
      model.updateAssumeRolePolicy(account, role.roleName, requiredString(params, 'PolicyDocument'));
      return '';
    }
    case 'PutRolePolicy': {
      const role = roleFor('PutRolePolicy');
      model.putRolePolicy(account, role.roleName, requiredString(params, 'PolicyName'), requiredString(params, 'PolicyDocument'));
      return '';
    }
    case 'GetRolePolicy': {
      const role = roleFor('GetRolePolicy');
      const policyName = requiredString(params, 'PolicyName');
      const text = model.getRolePolicy(account, role.roleName, policyName);
      return xmlElement('RoleName', role.roleName) + xmlElement('PolicyName', policyName) + xmlElement('PolicyDocument', encodeDocument(text));
    }
    case 'DeleteRolePolicy': {
      const role = roleFor('DeleteRolePolicy');
      model.deleteRolePolicy(account, role.roleName, requiredString(params, 'PolicyName'));
      return '';
    }
    case 'ListRolePolicies': {
      const role = roleFor('ListRolePolicies');
      const page = paginate(Object.keys(role.inlinePolicies).sort(), params);
      return membersXml('PolicyNames', page.items.map(escapeXml)) + pageXml(page);
    }
    case 'AttachRolePolicy':
    case 'DetachRolePolicy': {
      const policyArn = requiredString(params, 'PolicyArn');
      const role = roleFor(action, { 'iam:PolicyARN': policyArn });
      if (action === 'AttachRolePolicy') model.attachRolePolicy(account, role.roleName, policyArn);
      else model.detachRolePolicy(account, role.roleName, policyArn);
      return '';
    }
    case 'ListAttachedRolePolicies': {
      const role = roleFor('ListAttachedRolePolicies');
      const prefix = optionalString(params, 'PathPrefix') ?? '/';
      const attached = role.attachedPolicyArns
        .map((arn) => model.resolvePolicy(account, arn))
        .filter((p): p is ResolvedPolicy => p !== undefined)
        .filter((p) => (p.kind === 'aws' ? p.policy.path : p.record.path).startsWith(prefix));
      const page = paginate(attached, params);
      const members = page.items.map(
        (p) => xmlElement('PolicyName', p.kind === 'aws' ? p.policy.name : p.record.policyName) + xmlElement('PolicyArn', p.arn),
      );
      return membersXml('AttachedPolicies', members) + pageXml(page);
    }
    case 'CreatePolicy': {
      const policyName = requiredString(params, 'PolicyName');
      const path = optionalString(params, 'Path') ?? '/';
      const tags = tagList(params);
      const arn = `arn:aws:iam::${account}:policy${path}${policyName}`;
      authorize('CreatePolicy', arn, requestTagContext(tags));
      if (tags.length > 0) authorize('TagPolicy', arn, requestTagContext(tags));
      const description = optionalString(params, 'Description');
      const record = model.createPolicy(account, {
        policyName,
        path,
        document: requiredString(params, 'PolicyDocument'),
        tags,
        ...(description !== undefined ? { description } : {}),
      });
      return `<Policy>${policyXml(model, account, { kind: 'local', arn: record.arn, record }, true)}</Policy>`;
    }
    case 'GetPolicy':
      return `<Policy>${policyXml(model, account, policyFor('GetPolicy'), true)}</Policy>`;
    case 'DeletePolicy': {
      const policy = policyFor('DeletePolicy');
      model.deletePolicy(account, policy.arn);
      return '';
    }
    case 'GetPolicyVersion': {
      const policy = policyFor('GetPolicyVersion');
      const versionId = requiredString(params, 'VersionId');
      if (policy.kind === 'aws') {
        if (versionId !== policy.policy.versionId) throw new AwsServiceError('NoSuchEntity', `Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`, 404);
        return `<PolicyVersion>${xmlElement('Document', encodeDocument(JSON.stringify(policy.policy.document)))}${xmlElement('VersionId', versionId)}${xmlElement('IsDefaultVersion', true)}${xmlElement('CreateDate', policy.policy.createDate)}</PolicyVersion>`;
      }
      const version = policy.record.versions.find((v) => v.versionId === versionId);
      if (version === undefined) throw new AwsServiceError('NoSuchEntity', `Policy ${policy.arn} version ${versionId} does not exist or is not attachable.`, 404);
      return (
        '<PolicyVersion>' +
        xmlElement('Document', encodeDocument(version.document)) +
        xmlElement('VersionId', version.versionId) +
        xmlElement('IsDefaultVersion', version.versionId === policy.record.defaultVersionId) +
        xmlElement('CreateDate', isoTime(version.createDate)) +
        '</PolicyVersion>'
      );
    }
    case 'ListPolicyVersions': {
      const policy = policyFor('ListPolicyVersions');
      const versions =
        policy.kind === 'aws'
          ? [{ id: policy.policy.versionId, isDefault: true, created: policy.policy.createDate }]
          : [...policy.record.versions]
              .reverse()
              .map((v) => ({ id: v.versionId, isDefault: v.versionId === policy.record.defaultVersionId, created: isoTime(v.createDate) }));
      const page = paginate(versions, params);
      const members = page.items.map((v) => xmlElement('VersionId', v.id) + xmlElement('IsDefaultVersion', v.isDefault) + xmlElement('CreateDate', v.created));
      return membersXml('Versions', members) + pageXml(page);
    }
    case 'CreatePolicyVersion': {
      const policy = policyFor('CreatePolicyVersion');
      const versionId = model.createPolicyVersion(account, policy.arn, requiredString(params, 'PolicyDocument'), optionalBoolean(params, 'SetAsDefault') ?? false);
      const record = model.requireLocalPolicy(account, policy.arn);
      const version = record.versions.find((v) => v.versionId === versionId);
      return (
        '<PolicyVersion>' +
        xmlElement('VersionId', versionId) +
        xmlElement('IsDefaultVersion', record.defaultVersionId === versionId) +
        xmlElement('CreateDate', isoTime(version?.createDate ?? record.updateDate)) +
        '</PolicyVersion>'
      );
    }
    case 'SetDefaultPolicyVersion': {
      const policy = policyFor('SetDefaultPolicyVersion');
      model.setDefaultPolicyVersion(account, policy.arn, requiredString(params, 'VersionId'));
      return '';
    }
    case 'DeletePolicyVersion': {
      const policy = policyFor('DeletePolicyVersion');
      model.deletePolicyVersion(account, policy.arn, requiredString(params, 'VersionId'));
      return '';
    }
    case 'ListPolicies': {
      const scope = optionalString(params, 'Scope') ?? 'All';
      if (!['All', 'AWS', 'Local'].includes(scope)) {
        throw new AwsServiceError('ValidationError', `1 validation error detected: Value '${scope}' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]`, 400);
      }
      const prefix = optionalString(params, 'PathPrefix') ?? '/';
      const onlyAttached = optionalBoolean(params, 'OnlyAttached') ?? false;
      authorize('ListPolicies', `arn:aws:iam::${account}:policy${prefix}*`);
      const all: ResolvedPolicy[] = [
        ...(scope !== 'Local' ? listAwsManagedPolicies().map((policy) => ({ kind: 'aws' as const, arn: awsManagedPolicyArn(policy), policy })) : []),
        ...(scope !== 'AWS' ? model.policies(account).map((record) => ({ kind: 'local' as const, arn: record.arn, record })) : []),
      ];
      const selected = all.filter(
        (p) => (p.kind === 'aws' ? p.policy.path : p.record.path).startsWith(prefix) && (!onlyAttached || model.attachmentCount(account, p.arn) > 0),
      );
      const page = paginate(selected, params);
      return membersXml('Policies', page.items.map((p) => policyXml(model, account, p, false))) + pageXml(page);
    }
    case 'TagPolicy': {
      const tags = tagList(params);
      const arn = requiredString(params, 'PolicyArn');
      authorize('TagPolicy', arn, requestTagContext(tags));
      model.tagPolicy(account, arn, tags);
      return '';
    }
    case 'UntagPolicy': {
      const keys = memberList(params, 'TagKeys');
      const arn = requiredString(params, 'PolicyArn');
      authorize('UntagPolicy', arn, keys.length > 0 ? { 'aws:TagKeys': keys } : {});
      model.untagPolicy(account, arn, keys);
      return '';
    }
    case 'ListPolicyTags': {
      const policy = policyFor('ListPolicyTags');
      const page = paginate(policy.kind === 'local' ? policy.record.tags : [], params);
      return tagsXml(page.items) + pageXml(page);
    }
    default:
      throw new AwsServiceError('InvalidAction', `Could not find operation ${action} for version 2010-05-08`, 400);
  }
}
