// AWS Organizations of the local cloud: the management account creates member accounts; each new
// account gets its bootstrap role through the IAM model (trusting the management account, with
// AdministratorAccess) and the CreateAccountResult event. No wire format here.
import { randomBytes, randomInt } from 'node:crypto';
import { ChangeLog } from '../core/changes.js';
import { AwsServiceError } from '../core/types.js';
import type { IamModel } from '../iam/model.js';
import { recordKeys } from '../iam/records.js';
import { apiCallEvent, createAccountResultEvent, emitSafely, type ApiCaller, type EmitEvent } from './events.js';
import {
  CONTROL_TOWER_EXECUTION_ROLE,
  createManagedAccountEvent,
  ensureLandingZone,
  landingZoneOf,
  managedUnitOf,
  type LandingZone,
  type LandingZoneOptions,
} from './control-tower.js';
import { OrganizationTree, validTags } from './hierarchy.js';
import type { CreateAccountStatusRecord, OrgAccountRecord, OrganizationalUnitRecord, OrganizationState, OrgTag } from './state.js';

export const DEFAULT_BOOTSTRAP_ROLE = 'OrganizationAccountAccessRole';
const ADMINISTRATOR_ACCESS = 'arn:aws:iam::aws:policy/AdministratorAccess';
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;
const ACCOUNT_NAME = /^[\u0020-\u007E]{1,50}$/;

export interface OrganizationsModelOptions {
  iam: IamModel;
  managementAccountId: string;
  region: string;
  now: () => number;
  emitEvent?: EmitEvent;
  /** Where new accounts and CreateAccount requests are recorded for persistence. */
  changes?: ChangeLog;
}

/** The reason code leads the message: the JSON error body carries only __type and message. */
export function invalidInput(reason: string, message: string): AwsServiceError {
  return new AwsServiceError('InvalidInputException', `${reason}: ${message}`, 400);
}

function masterCannotLeave(): AwsServiceError {
  return new AwsServiceError(
    'MasterCannotLeaveOrganizationException',
    "You can't remove a management account from an organization. If you want the management account to become a member account in another organization, you must first delete the current organization.",
    400,
  );
}

function newOrganization(): OrganizationState {
  return { id: `o-${randomBytes(5).toString('hex')}`, rootId: `r-${randomBytes(2).toString('hex')}`, accounts: [], createAccountStatuses: [], organizationalUnits: [] };
}

/** How CreateAccount sets up a new account (the API's defaults: the bootstrap role, the root, no tags). */
export interface NewAccountOptions {
  roleName?: string;
  joinedMethod?: 'CREATED' | 'INVITED';
  tags?: OrgTag[];
  /** The root or OU the account is created in; default the root. */
  parentId?: string;
}

export class OrganizationsModel {
  private org: OrganizationState = newOrganization();
  private readonly changes: ChangeLog;
  /** Roots, OUs, parents and tags. */
  readonly tree: OrganizationTree;
  /** Set in Control Tower mode. */
  private landingZone: LandingZone | undefined;

  constructor(private readonly options: OrganizationsModelOptions) {
    this.changes = options.changes ?? new ChangeLog();
    this.tree = new OrganizationTree({ state: () => this.org, changes: this.changes });
    this.ensureManagementAccount();
  }

  get managementAccountId(): string {
    return this.options.managementAccountId;
  }

  get organizationId(): string {
    return this.org.id;
  }

  organizationArn(): string {
    return `arn:aws:organizations::${this.managementAccountId}:organization/${this.org.id}`;
  }

  accountArn(accountId: string): string {
    return `arn:aws:organizations::${this.managementAccountId}:account/${this.org.id}/${accountId}`;
  }

  rootArn(): string {
    return `arn:aws:organizations::${this.managementAccountId}:root/${this.org.id}/${this.org.rootId}`;
  }

  unitArn(unitId: string): string {
    return `arn:aws:organizations::${this.managementAccountId}:ou/${this.org.id}/${unitId}`;
  }

  /** The ARN of the root, an OU or an account, by id (the resource policies name in IAM). */
  resourceArn(id: string): string {
    if (id === this.org.rootId) return this.rootArn();
    return id.startsWith('ou-') ? this.unitArn(id) : this.accountArn(id);
  }

  accounts(): OrgAccountRecord[] {
    return this.org.accounts;
  }

  findAccount(accountId: string): OrgAccountRecord | undefined {
    return this.org.accounts.find((a) => a.id === accountId);
  }

  /** The CreateAccount requests (INVITED accounts have none), optionally only those in `states`. */
  createAccountStatuses(states?: string[]): CreateAccountStatusRecord[] {
    return this.org.createAccountStatuses.filter((s) => states === undefined || states.includes(s.state));
  }

  findCreateAccountStatus(requestId: string): CreateAccountStatusRecord | undefined {
    return this.org.createAccountStatuses.find((s) => s.id === requestId);
  }

  private ensureManagementAccount(): void {
    const id = this.managementAccountId;
    if (this.org.accounts.some((a) => a.id === id)) return;
    this.org.accounts.unshift({
      id,
      name: 'management',
      email: `management+${id}@local.invalid`,
      joinedMethod: 'CREATED',
      joinedTimestamp: this.options.now(),
      status: 'ACTIVE',
    });
  }

  private newAccountId(): string {
    const taken = new Set([...this.org.accounts.map((a) => a.id), ...this.options.iam.accountIds()]);
    let id: string;
    do id = String(randomInt(1, 10)) + Array.from({ length: 11 }, () => String(randomInt(10))).join('');
    while (taken.has(id));
    return id;
  }

  /**
   * Creates the account (or records why not) and emits CreateAccountResult either way, as AWS does.
   * An INVITED account is one that existed before joining: it gets the bootstrap role (which an
   * invited account's owner creates by hand in AWS) and no CreateAccountResult event.
   */
  createAccount(accountName: string, email: string, requestedOptions: NewAccountOptions = {}): CreateAccountStatusRecord {
    if (!ACCOUNT_NAME.test(accountName)) throw invalidInput('INVALID_INPUT', 'You provided a value that does not match the required pattern.');
    if (!EMAIL.test(email) || email.length > 64) throw invalidInput('INVALID_EMAIL_ADDRESS_TARGET', 'The email address is not valid.');
    const tags = validTags(requestedOptions.tags ?? []);
    const managedUnit = this.managedUnitFor(requestedOptions, tags);
    const options = managedUnit === undefined ? requestedOptions : { ...requestedOptions, roleName: CONTROL_TOWER_EXECUTION_ROLE, parentId: managedUnit.id };
    const { roleName = DEFAULT_BOOTSTRAP_ROLE, joinedMethod = 'CREATED' } = options;
    if (options.parentId !== undefined) this.tree.parentTypeOrThrow(options.parentId);
    const requested = this.options.now();
    const status: CreateAccountStatusRecord = {
      id: `car-${randomBytes(16).toString('hex')}`,
      accountName,
      state: 'SUCCEEDED',
      requestedTimestamp: requested,
    };
    if (this.org.accounts.some((a) => a.email.toLowerCase() === email.toLowerCase())) {
      status.state = 'FAILED';
      status.failureReason = 'EMAIL_ALREADY_EXISTS';
    } else {
      const accountId = this.newAccountId();
      const account: OrgAccountRecord = { id: accountId, name: accountName, email, joinedMethod, joinedTimestamp: requested, status: 'ACTIVE' };
      if (tags.length > 0) account.tags = tags;
      if (options.parentId !== undefined) this.tree.place(account, options.parentId);
      this.org.accounts.push(account);
      this.changes.put(recordKeys.orgAccount(accountId), () => account);
      this.createBootstrapRole(accountId, roleName);
      status.accountId = accountId;
    }
    status.completedTimestamp = this.options.now();
    if (joinedMethod === 'INVITED') return status;
    this.org.createAccountStatuses.push(status);
    this.changes.put(recordKeys.createAccountStatus(status.id), () => status);
    if (this.options.emitEvent !== undefined) {
      const event =
        managedUnit !== undefined && status.accountId !== undefined
          ? createManagedAccountEvent({ accountId: status.accountId, accountName, unit: managedUnit, requested, completed: status.completedTimestamp }, this.options)
          : createAccountResultEvent(status, status.completedTimestamp, this.options);
      emitSafely(this.options.emitEvent, event);
    }
    return status;
  }

  /**
   * With a landing zone, Account Factory creates the account: the OU it goes in (its
   * ManagedOrganizationalUnit tag, else the default OU). Undefined without one, and for invited accounts.
   */
  private managedUnitFor(options: NewAccountOptions, tags: OrgTag[]): OrganizationalUnitRecord | undefined {
    if (this.landingZone === undefined || (options.joinedMethod ?? 'CREATED') !== 'CREATED') return undefined;
    return managedUnitOf(this.tree, this.landingZone, tags);
  }

  /** LOCAL_CONTROL_TOWER: sets up the landing zone's OUs, and from now on CreateAccount works as Account Factory. */
  enableControlTower(options: LandingZoneOptions = {}): LandingZone {
    this.landingZone = landingZoneOf(options);
    ensureLandingZone(this.tree, this.landingZone);
    return this.landingZone;
  }

  /** The role the management account reaches a member account through. */
  private createBootstrapRole(accountId: string, roleName: string): void {
    // CreateAccountResult is only SUCCEEDED once the account is usable: its role has propagated.
    this.options.iam.createRole(accountId, {
      propagated: true,
      roleName,
      trustPolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${this.managementAccountId}:root` }, Action: 'sts:AssumeRole' }],
      }),
    });
    this.options.iam.attachRolePolicy(accountId, roleName, ADMINISTRATOR_ACCESS);
  }

  /** createAccount for the control plane: the new account's id, or an error when AWS would report FAILED. */
  createAccountOrThrow(
    accountName: string,
    email: string,
    joinedMethod: 'CREATED' | 'INVITED' = 'CREATED',
    tags: OrgTag[] = [],
  ): { accountId: string; createAccountRequestId: string } {
    const status = this.createAccount(accountName, email, { joinedMethod, tags });
    if (status.state !== 'SUCCEEDED' || status.accountId === undefined) {
      throw new AwsServiceError('CreateAccountFailed', `CreateAccount ${accountName} failed: ${status.failureReason ?? 'unknown'}`, 400);
    }
    return { accountId: status.accountId, createAccountRequestId: status.id };
  }

  /** The account, or AccountNotFoundException as AWS answers for an id the organization does not hold. */
  accountOrThrow(accountId: string): OrgAccountRecord {
    const account = this.findAccount(accountId);
    if (account === undefined) throw new AwsServiceError('AccountNotFoundException', "You specified an account that doesn't exist.", 400);
    return account;
  }

  /**
   * CloseAccount: the account is SUSPENDED at once (AWS passes through PENDING_CLOSURE for a few
   * minutes) and stays listed, as AWS keeps a closed account for 90 days.
   */
  closeAccount(accountId: string, caller: ApiCaller): void {
    const account = this.accountOrThrow(accountId);
    if (accountId === this.managementAccountId) {
      throw new AwsServiceError('ConstraintViolationException', "You can't close the management account with this API.", 400);
    }
    if (account.status !== 'ACTIVE') throw new AwsServiceError('AccountAlreadyClosedException', 'You attempted to close an account that is already closed.', 400);
    account.status = 'SUSPENDED';
    this.changes.put(recordKeys.orgAccount(accountId), () => account);
    this.announce('CloseAccount', caller, { accountId });
  }

  /** RemoveAccountFromOrganization: the account leaves; its IAM (and our roles in it) stays. */
  removeAccount(accountId: string, caller: ApiCaller): void {
    this.accountOrThrow(accountId);
    if (accountId === this.managementAccountId) throw masterCannotLeave();
    this.forget(accountId);
    this.announce('RemoveAccountFromOrganization', caller, { accountId });
  }

  /** LeaveOrganization, called by the member account itself. */
  leaveOrganization(caller: ApiCaller): void {
    if (caller.accountId === this.managementAccountId) throw masterCannotLeave();
    if (this.findAccount(caller.accountId) === undefined) {
      throw new AwsServiceError('AWSOrganizationsNotInUseException', "Your account is not a member of an organization. To make this request, you must use the credentials of an account that belongs to an organization.", 400);
    }
    this.forget(caller.accountId);
    this.announce('LeaveOrganization', caller, null);
  }

  private forget(accountId: string): void {
    this.org.accounts = this.org.accounts.filter((a) => a.id !== accountId);
    this.changes.delete(recordKeys.orgAccount(accountId));
  }

  private announce(eventName: string, caller: ApiCaller, requestParameters: Record<string, unknown> | null): void {
    if (this.options.emitEvent === undefined) return;
    emitSafely(this.options.emitEvent, apiCallEvent({ eventName, caller, requestParameters }, this.options.now(), this.options.region));
  }

  snapshot(): OrganizationState {
    return structuredClone(this.org);
  }

  /** A restored organization always lists the management account, as a fresh one does. */
  restore(organization: OrganizationState): void {
    this.org = structuredClone(organization);
    this.ensureManagementAccount();
  }
}
