// The sweep's first step: the reconcile-organization function compares the organization's accounts
// with the registry. It starts onboardings exactly as the new-account trigger does (same start
// path, settings and default workspace) and ends departed accounts' providers exactly as the
// account-departure function does, so it carries both functions' permissions, plus Organizations'
// read-only listings and a Scan of the registry.
import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { OnboardingConfig } from '../config.js';
import type { ReconcileConfig } from '../reconcile-config.js';
import type { OnboardingFunction } from './onboarding-function.js';
import { EVENT_SOURCE } from './provider-events.js';
import type { Registry } from './registry.js';
import { executionArnsOf, startOnboardingFunction } from './start-onboarding.js';
import type { Construct } from 'constructs';

/** Read-only Organizations calls the reconcile makes (none of them supports resource-level permissions for every resource it lists). */
export const ORGANIZATIONS_READ_ACTIONS = [
  'organizations:DescribeOrganization',
  'organizations:ListAccounts',
  'organizations:ListRoots',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:ListAccountsForParent',
  'organizations:ListTagsForResource',
];

export interface ReconcileOrganizationProps {
  readonly config: OnboardingConfig;
  readonly reconcile: ReconcileConfig;
  readonly registry: Registry;
  readonly bus: events.IEventBus;
  readonly onboardingStateMachine: sfn.StateMachine;
  /** The state machines whose executions a departure stops (onboarding, offboarding). */
  readonly departureStateMachines: readonly sfn.StateMachine[];
  readonly managementRoleArn: string;
}

export function reconcileOrganizationFunction(scope: Construct, id: string, props: ReconcileOrganizationProps): OnboardingFunction {
  const { config, registry } = props;
  const fn = startOnboardingFunction(scope, id, {
    name: 'reconcile-organization',
    description: 'Reconciles the organization with the registry: onboards members a missed event left out, ends departed accounts\' providers',
    config,
    registry,
    stateMachine: props.onboardingStateMachine,
    // Within the sweep state's 300 s, so Step Functions sees the function's own timeout first.
    timeout: Duration.seconds(280),
    environment: {
      // The new-account trigger's placement settings (lib/constructs/new-account-triggers.ts).
      DEFAULT_WORKSPACE: config.defaultWorkspace,
      NEW_ACCOUNT_RULES: JSON.stringify(config.newAccountRules),
      BOOTSTRAP_ROLES: JSON.stringify(config.bootstrapRoles),
      RECONCILE_ENABLED: String(props.reconcile.reconcileEnabled),
      MAX_ONBOARDINGS: String(props.reconcile.reconcileMaxOnboardings),
      EVENT_BUS_NAME: props.bus.eventBusName,
      EVENT_SOURCE,
      MANAGEMENT_ROLE_ARN: props.managementRoleArn,
      GRANT_MODE: config.grantMode,
    },
  });
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadOrganization', actions: ORGANIZATIONS_READ_ACTIONS, resources: ['*'] }));
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'ScanProviders', actions: ['dynamodb:Scan'], resources: [registry.tableArn] }));
  // A departure, as account-departure handles it (lib/constructs/account-departures.ts).
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'FindAccountProviders', actions: ['dynamodb:Query'], resources: [registry.byAccountIndexArn] }));
  fn.addToRolePolicy(
    new iam.PolicyStatement({ sid: 'StopProviderExecutions', actions: ['states:StopExecution'], resources: props.departureStateMachines.map(executionArnsOf) }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'RevokeManagementRoleGrant',
      actions: ['iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
      resources: [props.managementRoleArn],
    }),
  );
  fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'AnnounceDeletion', actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }));
  return fn;
}
