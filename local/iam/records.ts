// IAM, STS and Organizations state as persisted records, one per role, managed policy, session,
// organization account and CreateAccount request: a change writes only the record it touched.
import type { RecordChange } from '../core/changes.js';
import type { CreateAccountStatusRecord, OrgAccountRecord, OrganizationalUnitRecord, OrganizationState } from '../organizations/state.js';
import type { SessionRecord } from '../sts/state.js';
import type { LocalIamState } from './snapshot.js';
import type { IamAccounts, ManagedPolicyRecord, RoleRecord } from './state.js';

export const recordKeys = {
  /** Role names are unique per account regardless of case. */
  role: (role: Pick<RoleRecord, 'accountId' | 'roleName'>) => `role/${role.accountId}/${role.roleName.toLowerCase()}`,
  policy: (policy: Pick<ManagedPolicyRecord, 'arn'>) => `policy/${policy.arn}`,
  session: (accessKeyId: string) => `session/${accessKeyId}`,
  organization: 'organization',
  orgAccount: (accountId: string) => `org-account/${accountId}`,
  orgUnit: (unitId: string) => `org-unit/${unitId}`,
  createAccountStatus: (requestId: string) => `create-account-status/${requestId}`,
};

/** The records of a LocalIam snapshot. */
export function iamRecords(state: LocalIamState): RecordChange[] {
  const { accounts, sessions, organization } = state;
  return [
    ...Object.values(accounts).flatMap((account): RecordChange[] => [
      ...Object.values(account.roles).map((role): RecordChange => [recordKeys.role(role), role]),
      ...Object.values(account.policies).map((policy): RecordChange => [recordKeys.policy(policy), policy]),
    ]),
    ...Object.values(sessions).map((session): RecordChange => [recordKeys.session(session.accessKeyId), session]),
    [recordKeys.organization, { id: organization.id, rootId: organization.rootId, ...(organization.rootTags !== undefined ? { rootTags: organization.rootTags } : {}) }],
    ...organization.accounts.map((account): RecordChange => [recordKeys.orgAccount(account.id), account]),
    ...(organization.organizationalUnits ?? []).map((unit): RecordChange => [recordKeys.orgUnit(unit.id), unit]),
    ...organization.createAccountStatuses.map((status): RecordChange => [recordKeys.createAccountStatus(status.id), status]),
  ];
}

/** The LocalIam snapshot that records describe; undefined when they hold no organization. */
export function iamStateOf(records: ReadonlyMap<string, unknown>): LocalIamState | undefined {
  const head = records.get(recordKeys.organization) as Pick<OrganizationState, 'id' | 'rootId' | 'rootTags'> | undefined;
  if (head === undefined) return undefined;
  const accounts: IamAccounts = {};
  const organization: OrganizationState = { ...head, accounts: [], createAccountStatuses: [], organizationalUnits: [] };
  const state: LocalIamState = { version: 1, accounts, sessions: {}, organization };
  const accountOf = (accountId: string) => (accounts[accountId] ??= { roles: {}, policies: {} });
  for (const [key, value] of records) {
    const kind = key.split('/', 1)[0];
    if (kind === 'role') {
      const role = value as RoleRecord;
      accountOf(role.accountId).roles[role.roleName.toLowerCase()] = role;
    } else if (kind === 'policy') {
      const policy = value as ManagedPolicyRecord;
      accountOf(policy.accountId).policies[policy.arn] = policy;
    } else if (kind === 'session') {
      const session = value as SessionRecord;
      state.sessions[session.accessKeyId] = session;
    } else if (kind === 'org-account') {
      organization.accounts.push(value as OrgAccountRecord);
    } else if (kind === 'org-unit') {
      organization.organizationalUnits?.push(value as OrganizationalUnitRecord);
    } else if (kind === 'create-account-status') {
      organization.createAccountStatuses.push(value as CreateAccountStatusRecord);
    }
  }
  return state;
}
