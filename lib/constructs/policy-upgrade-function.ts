// The function a policy rollout's state machine invokes once per provider: it moves that provider's
// role to the CAPA policy this deployment ships (functions/upgrade-provider-policy). Built here,
// wired into the rollout by the stack.
import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { OnboardingConfig } from '../config.js';
import { OnboardingFunction } from './onboarding-function.js';
import { EVENT_SOURCE } from './provider-events.js';
import type { Registry } from './registry.js';

export interface PolicyUpgradeFunctionProps {
  readonly config: OnboardingConfig;
  readonly registry: Registry;
  readonly bus: events.IEventBus;
  /** `arn:<partition>:iam::*:role/<bootstrapRoleName>`: the role(s) assumed in the target accounts (one per trigger source's bootstrap role). */
  readonly bootstrapRoleArns: string | readonly string[];
  /** `arn:<partition>:iam::*:role<rolePath>*`: the provider roles, assumed to prove the External ID still works. */
  readonly providerRoleArns: string;
}

/**
 * Up to 10 parts, each read, versioned, tagged and attached, plus the AssumeRole proof: well inside
 * 60 s; a throttled call is retried by the state machine rather than waited out here.
 */
export const POLICY_UPGRADE_TIMEOUT = Duration.seconds(60);

export function policyUpgradeFunction(scope: Construct, id: string, props: PolicyUpgradeFunctionProps): OnboardingFunction {
  const { config, registry, bus } = props;
  const upgrade = new OnboardingFunction(scope, id, {
    name: 'upgrade-provider-policy',
    description: "Moves one provider's role to the CAPA policy this deployment ships, then records and announces it",
    timeout: POLICY_UPGRADE_TIMEOUT,
    environment: {
      TABLE_NAME: registry.table.tableName,
      BOOTSTRAP_ROLE_NAME: config.bootstrapRoleName,
      EVENT_BUS_NAME: bus.eventBusName,
      EVENT_SOURCE,
    },
  });
  upgrade.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReadAndRecordProvider',
      actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      resources: [registry.tableArn],
    }),
  );
  // The bootstrap session (narrowed to the product's path by its session policy) writes the
  // policies; the provider role is assumed to prove its External ID still works.
  upgrade.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'AssumeBootstrapAndProviderRoles',
      actions: ['sts:AssumeRole'],
      resources: [...[props.bootstrapRoleArns].flat(), props.providerRoleArns],
    }),
  );
  upgrade.addToRolePolicy(
    new iam.PolicyStatement({ sid: 'AnnounceUpgrade', actions: ['events:PutEvents'], resources: [bus.eventBusArn] }),
  );
  return upgrade;
}
