// Control Tower of the local cloud (LOCAL_CONTROL_TOWER=1): a landing zone (OUs under the root)
// and Account Factory behind Organizations' CreateAccount. A new account gets the
// AWSControlTowerExecution role instead of OrganizationAccountAccessRole, is placed in the OU its
// `ManagedOrganizationalUnit` tag names (Account Factory's parameter of that name; default the
// landing zone's default OU), and Control Tower's CreateManagedAccount event announces it.
import { randomUUID } from 'node:crypto';
import { AwsServiceError } from '../core/types.js';
import type { OrganizationsEvent } from './events.js';
import type { OrganizationTree } from './hierarchy.js';
import type { OrganizationalUnitRecord, OrgTag } from './state.js';

export const CONTROL_TOWER_EXECUTION_ROLE = 'AWSControlTowerExecution';
/** The CreateAccount tag that picks the account's OU: an OU id, or OU names from the root ("Workloads/payments"). */
export const MANAGED_OU_TAG = 'ManagedOrganizationalUnit';

export interface LandingZoneOptions {
  /** OUs created under the root when missing (default Security and Sandbox). */
  organizationalUnits?: string[];
  /** Where an account without a ManagedOrganizationalUnit tag goes (default Sandbox). */
  defaultOrganizationalUnit?: string;
}

export interface LandingZone {
  organizationalUnits: string[];
  defaultOrganizationalUnit: string;
}

export function landingZoneOf(options: LandingZoneOptions): LandingZone {
  const organizationalUnits = options.organizationalUnits ?? ['Security', 'Sandbox'];
  const defaultOrganizationalUnit = options.defaultOrganizationalUnit ?? 'Sandbox';
  return { organizationalUnits: [...new Set([...organizationalUnits, defaultOrganizationalUnit])], defaultOrganizationalUnit };
}

/** Creates the landing zone's OUs that the organization does not have yet (a restart keeps the existing ones). */
export function ensureLandingZone(tree: OrganizationTree, zone: LandingZone): void {
  for (const name of zone.organizationalUnits) {
    if (!tree.unitsIn(tree.rootId).some((unit) => unit.name === name)) tree.createUnit(tree.rootId, name);
  }
}

/** The OU Account Factory places the account in: its ManagedOrganizationalUnit tag, else the default OU. */
export function managedUnitOf(tree: OrganizationTree, zone: LandingZone, tags: OrgTag[]): OrganizationalUnitRecord {
  const wanted = tags.find((tag) => tag.Key === MANAGED_OU_TAG)?.Value ?? zone.defaultOrganizationalUnit;
  const byId = tree.findUnit(wanted);
  if (byId !== undefined) return byId;
  let parentId = tree.rootId;
  let unit: OrganizationalUnitRecord | undefined;
  for (const name of wanted.split('/')) {
    unit = tree.unitsIn(parentId).find((candidate) => candidate.name === name);
    if (unit === undefined) break;
    parentId = unit.id;
  }
  if (unit === undefined) {
    throw new AwsServiceError('InvalidInputException', `INVALID_INPUT: ${MANAGED_OU_TAG} "${wanted}" names no OU of the landing zone (an OU id, or OU names from the root).`, 400);
  }
  return unit;
}

/** Control Tower's timestamps in serviceEventDetails: 2026-11-21T13:41:10+0000. */
function controlTowerTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+0000');
}

/** The CreateManagedAccount service event, as Control Tower puts it on the management account's default bus. */
export function createManagedAccountEvent(
  account: { accountId: string; accountName: string; unit: OrganizationalUnitRecord; requested: number; completed: number },
  where: { managementAccountId: string; region: string },
): OrganizationsEvent {
  const time = new Date(account.completed).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    source: 'aws.controltower',
    'detail-type': 'AWS Service Event via CloudTrail',
    account: where.managementAccountId,
    time,
    region: where.region,
    resources: [],
    detail: {
      eventVersion: '1.08',
      userIdentity: { accountId: where.managementAccountId, invokedBy: 'AWS Internal' },
      eventTime: time,
      eventSource: 'controltower.amazonaws.com',
      eventName: 'CreateManagedAccount',
      awsRegion: where.region,
      sourceIPAddress: 'AWS Internal',
      userAgent: 'AWS Internal',
      eventID: randomUUID(),
      readOnly: false,
      eventType: 'AwsServiceEvent',
      serviceEventDetails: {
        createManagedAccountStatus: {
          organizationalUnit: { organizationalUnitName: account.unit.name, organizationalUnitId: account.unit.id },
          account: { accountName: account.accountName, accountId: account.accountId },
          state: 'SUCCEEDED',
          message: 'AWS Control Tower successfully created a managed account.',
          requestedTimestamp: controlTowerTimestamp(account.requested),
          completedTimestamp: controlTowerTimestamp(account.completed),
        },
      },
    },
  };
}
