// Where things sit in the local organization: the root, organizational units (OUs) nested up to
// five levels below it, the parent of every account and OU, and the tags on accounts, OUs and the
// root. Errors are AWS's. No wire format here.
import { randomBytes } from 'node:crypto';
import type { ChangeLog } from '../core/changes.js';
import { AwsServiceError } from '../core/types.js';
import { recordKeys } from '../iam/records.js';
import type { OrgAccountRecord, OrganizationalUnitRecord, OrganizationState, OrgTag } from './state.js';

export const ROOT_NAME = 'Root';
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ACCOUNT_ID = /^\d{12}$/;
/** AWS nests OUs at most five levels below the root. */
const MAX_OU_DEPTH = 5;
const MAX_TAGS = 50;
const OU_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export type ParentType = 'ROOT' | 'ORGANIZATIONAL_UNIT';
export type ChildType = 'ACCOUNT' | 'ORGANIZATIONAL_UNIT';

export interface Placement {
  id: string;
  type: ParentType;
}

function invalid(reason: string, message: string): AwsServiceError {
  return new AwsServiceError('InvalidInputException', `${reason}: ${message}`, 400);
}

const notFound = {
  parent: () => new AwsServiceError('ParentNotFoundException', "We can't find a root or OU with the ParentId that you specified.", 400),
  unit: () => new AwsServiceError('OrganizationalUnitNotFoundException', "We can't find an OU with the OrganizationalUnitId that you specified.", 400),
  child: () => new AwsServiceError('ChildNotFoundException', "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.", 400),
  target: () => new AwsServiceError('TargetNotFoundException', "We can't find a root, OU, account, or policy with the TargetId that you specified.", 400),
  source: () => new AwsServiceError('SourceParentNotFoundException', "We can't find a source root or OU with the ParentId that you specified.", 400),
  destination: () => new AwsServiceError('DestinationParentNotFoundException', "We can't find the destination container (a root or OU) with the ParentId that you specified.", 400),
  account: () => new AwsServiceError('AccountNotFoundException', "You specified an account that doesn't exist.", 400),
};

export interface OrganizationTreeOptions {
  /** The current organization (restore replaces it). */
  state: () => OrganizationState;
  changes: ChangeLog;
}

export class OrganizationTree {
  constructor(private readonly options: OrganizationTreeOptions) {}

  private get org(): OrganizationState {
    return this.options.state();
  }

  get rootId(): string {
    return this.org.rootId;
  }

  /** Read without writing: a snapshot from before OUs existed is saved back unchanged. */
  units(): readonly OrganizationalUnitRecord[] {
    return this.org.organizationalUnits ?? [];
  }

  private findAccount(accountId: string): OrgAccountRecord | undefined {
    return this.org.accounts.find((a) => a.id === accountId);
  }

  findUnit(unitId: string): OrganizationalUnitRecord | undefined {
    return this.units().find((u) => u.id === unitId);
  }

  unitOrThrow(unitId: string): OrganizationalUnitRecord {
    if (!OU_ID.test(unitId)) throw invalid('INVALID_PATTERN', `${unitId} is not a valid OU id.`);
    const unit = this.findUnit(unitId);
    if (unit === undefined) throw notFound.unit();
    return unit;
  }

  /** What kind of container `parentId` is, or `missing` (ParentNotFoundException unless told otherwise). */
  parentTypeOrThrow(parentId: string, missing: () => AwsServiceError = notFound.parent): ParentType {
    if (!ROOT_ID.test(parentId) && !OU_ID.test(parentId)) throw invalid('INVALID_PATTERN', `${parentId} is not a valid root or OU id.`);
    if (parentId === this.rootId) return 'ROOT';
    if (this.findUnit(parentId) !== undefined) return 'ORGANIZATIONAL_UNIT';
    throw missing();
  }

  /** How many levels below the root an OU (or the root, 0) sits. */
  private depthOf(parentId: string): number {
    let depth = 0;
    for (let id = parentId; id !== this.rootId && depth <= MAX_OU_DEPTH; depth++) id = this.findUnit(id)?.parentId ?? this.rootId;
    return depth;
  }

  createUnit(parentId: string, name: string, tags: OrgTag[] = []): OrganizationalUnitRecord {
    this.parentTypeOrThrow(parentId);
    if (name.length < 1 || name.length > 128) throw invalid('INVALID_INPUT', 'The OU name must be 1-128 characters.');
    this.assertNameFree(parentId, name);
    if (this.depthOf(parentId) >= MAX_OU_DEPTH) {
      throw new AwsServiceError('ConstraintViolationException', 'OU_DEPTH_LIMIT_EXCEEDED: You attempted to create an OU tree that is too many levels deep.', 400);
    }
    const suffix = Array.from(randomBytes(8), (byte) => OU_ID_ALPHABET[byte % OU_ID_ALPHABET.length]).join('');
    const unit: OrganizationalUnitRecord = { id: `ou-${this.rootId.slice(2)}-${suffix}`, name, parentId, tags: validTags(tags) };
    (this.org.organizationalUnits ??= []).push(unit);
    this.saveUnit(unit);
    return unit;
  }

  private assertNameFree(parentId: string, name: string, except?: string): void {
    if (this.units().some((u) => u.parentId === parentId && u.name === name && u.id !== except)) {
      throw new AwsServiceError('DuplicateOrganizationalUnitException', 'An OU with the same name already exists.', 400);
    }
  }

  renameUnit(unitId: string, name: string): OrganizationalUnitRecord {
    const unit = this.unitOrThrow(unitId);
    if (name.length < 1 || name.length > 128) throw invalid('INVALID_INPUT', 'The OU name must be 1-128 characters.');
    this.assertNameFree(unit.parentId, name, unit.id);
    unit.name = name;
    this.saveUnit(unit);
    return unit;
  }

  deleteUnit(unitId: string): void {
    this.unitOrThrow(unitId);
    if (this.accountsIn(unitId).length > 0 || this.unitsIn(unitId).length > 0) {
      throw new AwsServiceError(
        'OrganizationalUnitNotEmptyException',
        'The specified OU is not empty. Move all accounts to another root or to other OUs, remove all child OUs, and try again.',
        400,
      );
    }
    this.org.organizationalUnits = this.units().filter((u) => u.id !== unitId);
    this.options.changes.delete(recordKeys.orgUnit(unitId));
  }

  unitsIn(parentId: string): OrganizationalUnitRecord[] {
    return this.units().filter((u) => u.parentId === parentId);
  }

  accountsIn(parentId: string): OrgAccountRecord[] {
    return this.org.accounts.filter((a) => (a.parentId ?? this.rootId) === parentId);
  }

  /** The direct parent of an account or OU (ListParents: always exactly one). */
  parentOf(childId: string): Placement {
    let parentId: string | undefined;
    if (ACCOUNT_ID.test(childId)) {
      const account = this.findAccount(childId);
      parentId = account === undefined ? undefined : (account.parentId ?? this.rootId);
    } else if (OU_ID.test(childId)) parentId = this.findUnit(childId)?.parentId;
    else throw invalid('INVALID_PATTERN', `${childId} is not a valid account or OU id.`);
    if (parentId === undefined) throw notFound.child();
    return { id: parentId, type: parentId === this.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT' };
  }

  /** Places a new account (CreateAccount / Account Factory); the parent must exist. */
  place(account: OrgAccountRecord, parentId: string): void {
    this.parentTypeOrThrow(parentId);
    if (parentId !== this.rootId) account.parentId = parentId;
  }

  moveAccount(accountId: string, sourceParentId: string, destinationParentId: string): OrgAccountRecord {
    if (!ACCOUNT_ID.test(accountId)) throw invalid('INVALID_PATTERN', `${accountId} is not a valid account id.`);
    this.parentTypeOrThrow(sourceParentId, notFound.source);
    this.parentTypeOrThrow(destinationParentId, notFound.destination);
    const account = this.findAccount(accountId);
    if (account === undefined || (account.parentId ?? this.rootId) !== sourceParentId) throw notFound.account();
    if (sourceParentId === destinationParentId) {
      throw new AwsServiceError('DuplicateAccountException', 'That account is already present in the specified destination.', 400);
    }
    if (destinationParentId === this.rootId) delete account.parentId;
    else account.parentId = destinationParentId;
    this.options.changes.put(recordKeys.orgAccount(account.id), () => account);
    return account;
  }

  // ---- tags -------------------------------------------------------------------------------

  tagsOf(resourceId: string): OrgTag[] {
    return [...this.taggable(resourceId).tags];
  }

  tag(resourceId: string, tags: OrgTag[]): void {
    const target = this.taggable(resourceId);
    const merged = new Map(target.tags.map((t) => [t.Key, t.Value]));
    for (const t of validTags(tags)) merged.set(t.Key, t.Value);
    if (merged.size > MAX_TAGS) {
      throw new AwsServiceError('ConstraintViolationException', 'MAX_TAG_LIMIT_EXCEEDED: You have exceeded the maximum number of tags allowed on this resource.', 400);
    }
    target.save([...merged].map(([Key, Value]) => ({ Key, Value })));
  }

  untag(resourceId: string, keys: string[]): void {
    const target = this.taggable(resourceId);
    target.save(target.tags.filter((t) => !keys.includes(t.Key)));
  }

  /** The tags of the root, an OU or an account, and how to store new ones; TargetNotFoundException otherwise. */
  private taggable(resourceId: string): { tags: OrgTag[]; save(tags: OrgTag[]): void } {
    const { changes } = this.options;
    if (resourceId === this.rootId) {
      const org = this.org;
      const save = (tags: OrgTag[]) => {
        org.rootTags = tags;
        changes.put(recordKeys.organization, () => organizationHead(org));
      };
      return { tags: org.rootTags ?? [], save };
    }
    const unit = OU_ID.test(resourceId) ? this.findUnit(resourceId) : undefined;
    if (unit !== undefined) {
      const save = (tags: OrgTag[]) => {
        unit.tags = tags;
        this.saveUnit(unit);
      };
      return { tags: unit.tags ?? [], save };
    }
    const account = ACCOUNT_ID.test(resourceId) ? this.findAccount(resourceId) : undefined;
    if (account !== undefined) {
      const save = (tags: OrgTag[]) => {
        account.tags = tags;
        changes.put(recordKeys.orgAccount(account.id), () => account);
      };
      return { tags: account.tags ?? [], save };
    }
    if (!ROOT_ID.test(resourceId) && !OU_ID.test(resourceId) && !ACCOUNT_ID.test(resourceId)) {
      throw invalid('INVALID_PATTERN', `${resourceId} is not a valid root, OU or account id.`);
    }
    throw notFound.target();
  }

  private saveUnit(unit: OrganizationalUnitRecord): void {
    this.options.changes.put(recordKeys.orgUnit(unit.id), () => unit);
  }
}

/** The organization's own record: its ids and the root's tags (accounts and OUs have records of their own). */
export function organizationHead(org: OrganizationState): Pick<OrganizationState, 'id' | 'rootId' | 'rootTags'> {
  return { id: org.id, rootId: org.rootId, ...(org.rootTags !== undefined ? { rootTags: org.rootTags } : {}) };
}

/** Tags as AWS accepts them: keys 1-128 characters, values 0-256, no key twice. */
export function validTags(tags: OrgTag[]): OrgTag[] {
  for (const t of tags) {
    if (typeof t.Key !== 'string' || t.Key.length < 1 || t.Key.length > 128) throw invalid('INVALID_INPUT', 'A tag key must be 1-128 characters.');
    if (typeof t.Value !== 'string' || t.Value.length > 256) throw invalid('INVALID_INPUT', 'A tag value must be 0-256 characters.');
  }
  if (new Set(tags.map((t) => t.Key)).size !== tags.length) throw invalid('DUPLICATE_TAG_KEY', 'A tag key appears more than once.');
  if (tags.length > MAX_TAGS) {
    throw new AwsServiceError('ConstraintViolationException', 'MAX_TAG_LIMIT_EXCEEDED: You have exceeded the maximum number of tags allowed on this resource.', 400);
  }
  return tags.map((t) => ({ Key: t.Key, Value: t.Value }));
}
