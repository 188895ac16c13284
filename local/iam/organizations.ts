// AWS Organizations (JSON 1.1): the management account creates member accounts; each new account
// gets its bootstrap role (trusting the management account, with AdministratorAccess) and the
// CloudTrail-style CreateAccountResult event that real Organizations sends to the default bus.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { jsonResponse } from '../core/protocol.js';
import { AwsServiceError, type AwsRequest, type AwsResponse, type Authorize } from '../core/types.js';
import type { IamModel } from './iam-model.js';
import type { CreateAccountStatusRecord, LocalIamState, OrgAccountRecord } from './state.js';

export const DEFAULT_BOOTSTRAP_ROLE = 'OrganizationAccountAccessRole';
const ADMINISTRATOR_ACCESS = 'arn:aws:iam::aws:policy/AdministratorAccess';
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;
const ACCOUNT_NAME = /^[\u0020-\u007E]{1,50}$/;

/** The event as EventBridge receives it (the bus adds `id` and `version`). */
export interface LocalIamEvent {
  source: string;
  'detail-type': string;
  detail: Record<string, unknown>;
  account: string;
  region: string;
  time: string;
  resources: string[];
}

export interface OrganizationsDeps {
  state: () => LocalIamState;
  model: IamModel;
  managementAccountId: string;
  region: string;
  now: () => number;
  authorize: Authorize;
  emitEvent?: (event: LocalIamEvent) => void | Promise<void>;
}

/** CloudTrail's serviceEventDetails timestamps: "Nov 20, 2026 9:12:31 AM" (UTC). */
function cloudTrailTimestamp(ms: number): string {
  const d = new Date(ms);
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const hours = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${month} ${d.getUTCDate()}, ${d.getUTCFullYear()} ${hours % 12 === 0 ? 12 : hours % 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** JSON protocol timestamps are epoch seconds. */
function epochSeconds(ms: number): number {
  return ms / 1000;
}

/** The reason code leads the message: the JSON error body carries only __type and message. */
function invalidInput(reason: string, message: string): AwsServiceError {
  return new AwsServiceError('InvalidInputException', `${reason}: ${message}`, 400);
}

export class Organizations {
  constructor(private readonly deps: OrganizationsDeps) {}

  private get org(): LocalIamState['organization'] {
    return this.deps.state().organization;
  }

  private accountArn(accountId: string): string {
    return `arn:aws:organizations::${this.deps.managementAccountId}:account/${this.org.id}/${accountId}`;
  }

  ensureManagementAccount(): void {
    if (this.org.accounts.some((a) => a.id === this.deps.managementAccountId)) return;
    this.org.accounts.unshift({
      id: this.deps.managementAccountId,
      name: 'management',
      email: `management+${this.deps.managementAccountId}@local.invalid`,
      joinedMethod: 'CREATED',
      joinedTimestamp: this.deps.now(),
      status: 'ACTIVE',
    });
  }

  private accountJson(account: OrgAccountRecord): Record<string, unknown> {
    return {
      Id: account.id,
      Arn: this.accountArn(account.id),
      Email: account.email,
      Name: account.name,
      Status: account.status,
      State: account.status,
      JoinedMethod: account.joinedMethod,
      JoinedTimestamp: epochSeconds(account.joinedTimestamp),
    };
  }

  private statusJson(status: CreateAccountStatusRecord): Record<string, unknown> {
    return {
      Id: status.id,
      AccountName: status.accountName,
      State: status.state,
      RequestedTimestamp: epochSeconds(status.requestedTimestamp),
      ...(status.completedTimestamp !== undefined ? { CompletedTimestamp: epochSeconds(status.completedTimestamp) } : {}),
      ...(status.accountId !== undefined ? { AccountId: status.accountId } : {}),
      ...(status.failureReason !== undefined ? { FailureReason: status.failureReason } : {}),
    };
  }

  private newAccountId(): string {
    const taken = new Set([...this.org.accounts.map((a) => a.id), ...Object.keys(this.deps.state().accounts)]);
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
  createAccount(
    accountName: string,
    email: string,
    roleName = DEFAULT_BOOTSTRAP_ROLE,
    joinedMethod: 'CREATED' | 'INVITED' = 'CREATED',
  ): CreateAccountStatusRecord {
    if (!ACCOUNT_NAME.test(accountName)) throw invalidInput('INVALID_INPUT', 'You provided a value that does not match the required pattern.');
    if (!EMAIL.test(email) || email.length > 64) throw invalidInput('INVALID_EMAIL_ADDRESS_TARGET', 'The email address is not valid.');
    const requested = this.deps.now();
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
      this.org.accounts.push({ id: accountId, name: accountName, email, joinedMethod, joinedTimestamp: requested, status: 'ACTIVE' });
      // CreateAccountResult is only SUCCEEDED once the account is usable: its role has propagated.
      this.deps.model.createRole(accountId, {
        propagated: true,
        roleName,
        trustPolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${this.deps.managementAccountId}:root` }, Action: 'sts:AssumeRole' }],
        }),
      });
      this.deps.model.attachRolePolicy(accountId, roleName, ADMINISTRATOR_ACCESS);
      status.accountId = accountId;
    }
    status.completedTimestamp = this.deps.now();
    if (joinedMethod === 'INVITED') return status;
    this.org.createAccountStatuses.push(status);
    this.emitCreateAccountResult(status);
    return status;
  }

  createAccountOrThrow(
    accountName: string,
    email: string,
    joinedMethod: 'CREATED' | 'INVITED' = 'CREATED',
  ): { accountId: string; createAccountRequestId: string } {
    const status = this.createAccount(accountName, email, DEFAULT_BOOTSTRAP_ROLE, joinedMethod);
    if (status.state !== 'SUCCEEDED' || status.accountId === undefined) {
      throw new AwsServiceError('CreateAccountFailed', `CreateAccount ${accountName} failed: ${status.failureReason ?? 'unknown'}`, 400);
    }
    return { accountId: status.accountId, createAccountRequestId: status.id };
  }

  private emitCreateAccountResult(status: CreateAccountStatusRecord): void {
    const emit = this.deps.emitEvent;
    if (emit === undefined) return;
    const completed = status.completedTimestamp ?? this.deps.now();
    const time = isoSeconds(completed);
    const event: LocalIamEvent = {
      source: 'aws.organizations',
      'detail-type': 'AWS Service Event via CloudTrail',
      account: this.deps.managementAccountId,
      time,
      region: this.deps.region,
      resources: [],
      detail: {
        eventVersion: '1.08',
        userIdentity: { accountId: this.deps.managementAccountId, invokedBy: 'AWS Internal' },
        eventTime: time,
        eventSource: 'organizations.amazonaws.com',
        eventName: 'CreateAccountResult',
        awsRegion: this.deps.region,
        sourceIPAddress: 'AWS Internal',
        userAgent: 'AWS Internal',
        eventID: randomUUID(),
        readOnly: false,
        eventType: 'AwsServiceEvent',
        serviceEventDetails: {
          createAccountStatus: {
            id: status.id,
            state: status.state,
            accountName: status.accountName,
            ...(status.accountId !== undefined ? { accountId: status.accountId } : {}),
            ...(status.failureReason !== undefined ? { failureReason: status.failureReason } : {}),
            requestedTimestamp: cloudTrailTimestamp(status.requestedTimestamp),
            completedTimestamp: cloudTrailTimestamp(completed),
          },
        },
      },
    };
    // A failing subscriber must not fail CreateAccount: the account exists either way.
    try {
      const result = emit(event);
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // Ignored for the same reason.
    }
  }

  private field(params: Record<string, unknown>, name: string): string {
    const value = params[name];
    if (typeof value !== 'string' || value === '') {
      throw invalidInput('INVALID_INPUT', `1 validation error detected: Value at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
    }
    return value;
  }

  /** Serves one Organizations call; errors are thrown as AwsServiceError for the caller to encode. */
  handle(req: AwsRequest): AwsResponse {
    const caller = req.caller;
    if (caller === undefined) throw new AwsServiceError('MissingAuthenticationTokenException', 'Request is missing Authentication Token', 403);
    if (caller.accountId !== this.deps.managementAccountId) {
      throw new AwsServiceError('AccessDeniedException', "You don't have permissions to access this resource.", 400);
    }
    const params = req.params;
    const organizationArn = `arn:aws:organizations::${this.deps.managementAccountId}:organization/${this.org.id}`;
    const authorize = (resource: string) => this.deps.authorize(caller, `organizations:${req.action}`, resource);
    switch (req.action) {
      case 'CreateAccount': {
        authorize(organizationArn);
        const roleName = typeof params.RoleName === 'string' && params.RoleName !== '' ? params.RoleName : DEFAULT_BOOTSTRAP_ROLE;
        const status = this.createAccount(this.field(params, 'AccountName'), this.field(params, 'Email'), roleName);
        return jsonResponse({ CreateAccountStatus: this.statusJson(status) });
      }
      case 'DescribeCreateAccountStatus': {
        authorize(organizationArn);
        const id = this.field(params, 'CreateAccountRequestId');
        const status = this.org.createAccountStatuses.find((s) => s.id === id);
        if (status === undefined) {
          throw new AwsServiceError('CreateAccountStatusNotFoundException', 'We can\'t find an create account request with the CreateAccountRequestId that you specified.', 400);
        }
        return jsonResponse({ CreateAccountStatus: this.statusJson(status) });
      }
      case 'ListCreateAccountStatus': {
        authorize(organizationArn);
        const states = Array.isArray(params.States) ? (params.States as unknown[]).map(String) : undefined;
        const statuses = this.org.createAccountStatuses.filter((s) => states === undefined || states.includes(s.state));
        return jsonResponse({ CreateAccountStatuses: statuses.map((s) => this.statusJson(s)) });
      }
      case 'DescribeAccount': {
        const id = this.field(params, 'AccountId');
        authorize(this.accountArn(id));
        const account = this.org.accounts.find((a) => a.id === id);
        if (account === undefined) {
          throw new AwsServiceError('AccountNotFoundException', "You specified an account that doesn't exist.", 400);
        }
        return jsonResponse({ Account: this.accountJson(account) });
      }
      case 'ListAccounts': {
        authorize(organizationArn);
        const maxResults = typeof params.MaxResults === 'number' ? params.MaxResults : 20;
        if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 20) {
          throw invalidInput('INVALID_INPUT', 'MaxResults must be between 1 and 20.');
        }
        const start = typeof params.NextToken === 'string' ? Number(Buffer.from(params.NextToken, 'base64url').toString('utf8')) : 0;
        if (!Number.isInteger(start) || start < 0) throw invalidInput('INVALID_PAGINATION_TOKEN', 'The NextToken is not valid.');
        const page = this.org.accounts.slice(start, start + maxResults);
        const next = start + page.length;
        return jsonResponse({
          Accounts: page.map((a) => this.accountJson(a)),
          ...(next < this.org.accounts.length ? { NextToken: Buffer.from(String(next), 'utf8').toString('base64url') } : {}),
        });
      }
      case 'DescribeOrganization': {
        authorize(organizationArn);
        const management = this.org.accounts.find((a) => a.id === this.deps.managementAccountId);
        return jsonResponse({
          Organization: {
            Id: this.org.id,
            Arn: organizationArn,
            FeatureSet: 'ALL',
            MasterAccountArn: this.accountArn(this.deps.managementAccountId),
            MasterAccountId: this.deps.managementAccountId,
            MasterAccountEmail: management?.email,
            AvailablePolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }],
          },
        });
      }
      default:
        throw new AwsServiceError('UnknownOperationException', `The local cloud's Organizations does not implement ${req.action}`, 400);
    }
  }
}
