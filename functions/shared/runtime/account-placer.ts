// Where the reconcile places an account it onboards: the new-account trigger's rules, read from
// the same environment, so a late event and a reconcile put an account in the same workspace.
import type { AccountPlacer } from '../domain/reconciliation.js';
import { nonEmpty, readEnv } from './env.js';

export function accountPlacerFromEnv(source: NodeJS.ProcessEnv = process.env): AccountPlacer {
  const env = readEnv({ DEFAULT_WORKSPACE: nonEmpty }, source);
  return { usesOrganizationalUnits: false, usesTags: false, place: () => ({ workspace: env.DEFAULT_WORKSPACE }) };
}
