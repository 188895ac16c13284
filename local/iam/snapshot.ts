// The persisted state of IAM, STS and Organizations together (version 1): one JSON document, the
// format a running local cloud saves and restores, so its shape must not change.
import type { OrganizationState } from '../organizations/state.js';
import type { Sessions } from '../sts/state.js';
import type { IamAccounts } from './state.js';

export interface LocalIamState {
  version: 1;
  accounts: IamAccounts;
  sessions: Sessions;
  organization: OrganizationState;
}

export function parseLocalIamState(snapshot: unknown): LocalIamState {
  const candidate = snapshot as Partial<LocalIamState> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    candidate.version !== 1 ||
    typeof candidate.accounts !== 'object' ||
    typeof candidate.sessions !== 'object' ||
    typeof candidate.organization !== 'object'
  ) {
    throw new Error('LocalIam.restore: not a LocalIam snapshot (version 1)');
  }
  return candidate as LocalIamState;
}
