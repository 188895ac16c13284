// The persisted organization: plain JSON, so snapshot/restore is a copy.

export interface OrgAccountRecord {
  id: string;
  name: string;
  email: string;
  joinedMethod: 'INVITED' | 'CREATED';
  joinedTimestamp: number;
  /** SUSPENDED: closed (CloseAccount), kept in the organization for AWS's 90-day grace period. */
  status: 'ACTIVE' | 'SUSPENDED';
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
}
