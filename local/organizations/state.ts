// The persisted organization: plain JSON, so snapshot/restore is a copy. Fields added after the
// first release are optional, so a state directory written before them restores unchanged.

export interface OrgTag {
  Key: string;
  Value: string;
}

export interface OrgAccountRecord {
  id: string;
  name: string;
  email: string;
  joinedMethod: 'INVITED' | 'CREATED';
  joinedTimestamp: number;
  /** SUSPENDED: closed (CloseAccount), kept in the organization for AWS's 90-day grace period. */
  status: 'ACTIVE' | 'SUSPENDED';
  /** The root or OU that holds the account; absent means the root (records written before OUs). */
  parentId?: string;
  tags?: OrgTag[];
}

export interface OrganizationalUnitRecord {
  id: string;
  name: string;
  /** The root or OU that holds this OU. */
  parentId: string;
  tags?: OrgTag[];
}

export interface CreateAccountStatusRecord {
  id: string;
  accountName: string;
  state: 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED';
  requestedTimestamp: number;
  completedTimestamp?: number;
  accountId?: string;
  failureReason?: string;
}

export interface OrganizationState {
  id: string;
  rootId: string;
  accounts: OrgAccountRecord[];
  createAccountStatuses: CreateAccountStatusRecord[];
  organizationalUnits?: OrganizationalUnitRecord[];
  rootTags?: OrgTag[];
}
