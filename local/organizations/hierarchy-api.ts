// The Organizations operations on the organization's structure and tags: roots, OUs, parents and
// children, moving accounts, and tagging. One function per operation; the table is merged into
// api.ts's.
import type { OrganizationsCall } from './api.js';
import { ROOT_NAME, type ChildType } from './hierarchy.js';
import { invalidInput, type OrganizationsModel } from './model.js';
import { pageOf } from './paging.js';
import { accountJson, field, tagsParam } from './wire.js';
import type { OrganizationalUnitRecord } from './state.js';

type Operation = (call: OrganizationsCall) => unknown;

function unitJson(org: OrganizationsModel, unit: OrganizationalUnitRecord): Record<string, unknown> {
  return { Id: unit.id, Arn: org.unitArn(unit.id), Name: unit.name };
}

const listRoots: Operation = ({ org, params, authorize }) => {
  authorize(org.rootArn());
  const { items, nextToken } = pageOf([org.tree.rootId], params);
  return {
    Roots: items.map((id) => ({ Id: id, Arn: org.rootArn(), Name: ROOT_NAME, PolicyTypes: [] })),
    ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
  };
};

const createOrganizationalUnit: Operation = ({ org, params, authorize }) => {
  const parentId = field(params, 'ParentId');
  authorize(org.resourceArn(parentId));
  const unit = org.tree.createUnit(parentId, field(params, 'Name'), tagsParam(params));
  return { OrganizationalUnit: unitJson(org, unit) };
};

const describeOrganizationalUnit: Operation = ({ org, params, authorize }) => {
  const id = field(params, 'OrganizationalUnitId');
  authorize(org.unitArn(id));
  return { OrganizationalUnit: unitJson(org, org.tree.unitOrThrow(id)) };
};

const updateOrganizationalUnit: Operation = ({ org, params, authorize }) => {
  const id = field(params, 'OrganizationalUnitId');
  authorize(org.unitArn(id));
  // AWS leaves the name unchanged when the request has none.
  const unit = typeof params.Name === 'string' ? org.tree.renameUnit(id, params.Name) : org.tree.unitOrThrow(id);
  return { OrganizationalUnit: unitJson(org, unit) };
};

const deleteOrganizationalUnit: Operation = ({ org, params, authorize }) => {
  const id = field(params, 'OrganizationalUnitId');
  authorize(org.unitArn(id));
  org.tree.deleteUnit(id);
  return {};
};

const listOrganizationalUnitsForParent: Operation = ({ org, params, authorize }) => {
  const parentId = field(params, 'ParentId');
  authorize(org.resourceArn(parentId));
  org.tree.parentTypeOrThrow(parentId);
  const { items, nextToken } = pageOf(org.tree.unitsIn(parentId), params);
  return { OrganizationalUnits: items.map((unit) => unitJson(org, unit)), ...(nextToken !== undefined ? { NextToken: nextToken } : {}) };
};

const listAccountsForParent: Operation = ({ org, params, authorize }) => {
  const parentId = field(params, 'ParentId');
  authorize(org.resourceArn(parentId));
  org.tree.parentTypeOrThrow(parentId);
  const { items, nextToken } = pageOf(org.tree.accountsIn(parentId), params);
  return { Accounts: items.map((account) => accountJson(org, account)), ...(nextToken !== undefined ? { NextToken: nextToken } : {}) };
};

const CHILD_TYPES: readonly ChildType[] = ['ACCOUNT', 'ORGANIZATIONAL_UNIT'];

const listChildren: Operation = ({ org, params, authorize }) => {
  const parentId = field(params, 'ParentId');
  const childType = CHILD_TYPES.find((type) => type === params.ChildType);
  if (childType === undefined) throw invalidInput('INVALID_ENUM', `ChildType must be one of ${CHILD_TYPES.join(', ')}.`);
  authorize(org.resourceArn(parentId));
  org.tree.parentTypeOrThrow(parentId);
  const ids = childType === 'ACCOUNT' ? org.tree.accountsIn(parentId).map((a) => a.id) : org.tree.unitsIn(parentId).map((u) => u.id);
  const { items, nextToken } = pageOf(ids, params);
  return { Children: items.map((id) => ({ Id: id, Type: childType })), ...(nextToken !== undefined ? { NextToken: nextToken } : {}) };
};

const listParents: Operation = ({ org, params, authorize }) => {
  const childId = field(params, 'ChildId');
  authorize(org.resourceArn(childId));
  const { items, nextToken } = pageOf([org.tree.parentOf(childId)], params);
  return { Parents: items.map((parent) => ({ Id: parent.id, Type: parent.type })), ...(nextToken !== undefined ? { NextToken: nextToken } : {}) };
};

const moveAccount: Operation = ({ org, params, authorize }) => {
  const accountId = field(params, 'AccountId');
  authorize(org.accountArn(accountId));
  org.tree.moveAccount(accountId, field(params, 'SourceParentId'), field(params, 'DestinationParentId'));
  return {};
};

const tagResource: Operation = ({ org, params, authorize }) => {
  const id = field(params, 'ResourceId');
  authorize(org.resourceArn(id));
  if (!Array.isArray(params.Tags)) throw invalidInput('INVALID_INPUT', 'Tags must be a list of tags.');
  org.tree.tag(id, tagsParam(params));
  return {};
};

const untagResource: Operation = ({ org, params, authorize }) => {
  const id = field(params, 'ResourceId');
  authorize(org.resourceArn(id));
  const keys = params.TagKeys;
  if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string')) throw invalidInput('INVALID_INPUT', 'TagKeys must be a list of tag keys.');
  org.tree.untag(id, keys as string[]);
  return {};
};

const listTagsForResource: Operation = ({ org, params, authorize }) => {
  const id = field(params, 'ResourceId');
  authorize(org.resourceArn(id));
  const { items, nextToken } = pageOf(org.tree.tagsOf(id), params);
  return { Tags: items, ...(nextToken !== undefined ? { NextToken: nextToken } : {}) };
};

/** The structure and tag operations, by action name. */
export const hierarchyOperations: Readonly<Record<string, Operation>> = {
  ListRoots: listRoots,
  CreateOrganizationalUnit: createOrganizationalUnit,
  DescribeOrganizationalUnit: describeOrganizationalUnit,
  UpdateOrganizationalUnit: updateOrganizationalUnit,
  DeleteOrganizationalUnit: deleteOrganizationalUnit,
  ListOrganizationalUnitsForParent: listOrganizationalUnitsForParent,
  ListAccountsForParent: listAccountsForParent,
  ListChildren: listChildren,
  ListParents: listParents,
  MoveAccount: moveAccount,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};
