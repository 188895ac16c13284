// The shape of the verification state machine's data, as the ASL passes it to both tasks:
// { execution: { arn, name }, state: { provider, inspection?, minCheckMs? } }.
import type { VerificationCheck } from '../domain/drift.js';
import type { ProviderSpec, ProviderStatus } from '../domain/provider.js';
import type { ExecutionRef } from './workflow-event.js';

/** What "Check Provider" found: whether the provider could be checked, and each check. */
export interface ProviderInspection {
  verifiable: boolean;
  /** The status the checks started from; the record step writes only while it still holds. */
  previousStatus?: ProviderStatus;
  verifiedAt: string;
  checks: VerificationCheck[];
}

export interface VerificationTaskEvent {
  execution: ExecutionRef;
  state: {
    provider: ProviderSpec;
    inspection?: ProviderInspection;
    /**
     * The least time Check Provider lasts: set by the fleet sweep (its rate bound), absent from an
     * on-demand verification, which is never slowed.
     */
    minCheckMs?: number;
  };
}
