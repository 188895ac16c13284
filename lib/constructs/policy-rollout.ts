// The CAPA policy rollout: a state machine that walks the fleet a page at a time and upgrades each
// provider's CAPA policies in a Distributed Map (bounded concurrency, StackSets-like failure
// tolerance), the functions of its own steps, and the custom resource that starts it after every
// deployment that changes the policy.
import { readFileSync } from 'node:fs';
import { CustomResource, Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { RolloutConfig } from '../rollout-config.js';
import { OnboardingFunction, PROJECT_ROOT } from './onboarding-function.js';
import { EVENT_SOURCE } from './provider-events.js';
import type { Registry } from './registry.js';
import { executionArnsOf } from './start-onboarding.js';
import { distributedMapPolicy, workflowStateMachine } from './workflow-state-machine.js';

export const ROLLOUT_DEFINITION_FILE = `${PROJECT_ROOT}statemachine/rollout-policy.asl.json`;
export const ROLLOUT_MAP_STATE = 'Upgrade Page';
/** The Distributed Map's Label: its child executions are `execution:<state machine>/UpgradePage:<id>`. */
export const ROLLOUT_MAP_LABEL = 'UpgradePage';
export const ROLLOUT_RESOURCE_TYPE = 'Custom::PolicyRollout';

export interface PolicyRolloutProps {
  readonly rollout: RolloutConfig;
  readonly registry: Registry;
  readonly bus: events.IEventBus;
  /** The per-provider upgrade (functions/upgrade-provider-policy). */
  readonly upgradeFunction: OnboardingFunction;
  /** The version of the CAPA policy this deployment ships: a change starts a rollout. */
  readonly policyVersion: string;
}

/** The ASL file with the Distributed Map's MaxConcurrency set from configuration (the one value CDK cannot substitute into a number). */
export function rolloutDefinition(concurrency: number): string {
  const definition = JSON.parse(readFileSync(ROLLOUT_DEFINITION_FILE, 'utf8')) as { States: Record<string, { MaxConcurrency?: number; Label?: string }> };
  const map = definition.States[ROLLOUT_MAP_STATE];
  if (map?.Label !== ROLLOUT_MAP_LABEL) throw new Error(`${ROLLOUT_DEFINITION_FILE} has no state "${ROLLOUT_MAP_STATE}" labelled ${ROLLOUT_MAP_LABEL}`);
  map.MaxConcurrency = concurrency;
  return JSON.stringify(definition, null, 2);
}

export class PolicyRollout extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly openRollout: OnboardingFunction;
  readonly rolloutProgress: OnboardingFunction;
  readonly closeRollout: OnboardingFunction;
  readonly startRollout: OnboardingFunction;
  readonly trigger: CustomResource;
  readonly upgradeFunction: OnboardingFunction;
  /** What the Distributed Map needs of the state machine's role: start, describe and stop its child executions. */
  readonly distributedMapPolicy: iam.Policy;
  private readonly props: PolicyRolloutProps;

  constructor(scope: Construct, id: string, props: PolicyRolloutProps) {
    super(scope, id);
    this.props = props;
    this.upgradeFunction = props.upgradeFunction;
    const { rollout, registry, bus } = props;
    const table = registry.table.tableName;

    this.openRollout = new OnboardingFunction(this, 'OpenRollout', {
      name: 'open-rollout',
      description: 'Opens a policy rollout (counts the READY and DEGRADED providers, records the failure tolerance) and lists them a page at a time',
      timeout: Duration.seconds(60),
      environment: {
        TABLE_NAME: table,
        PAGE_SIZE: String(rollout.rolloutPageSize),
        ROLLOUT_MAX_FAILURES: String(rollout.rolloutMaxFailures),
        ROLLOUT_MAX_FAILURE_PERCENT: String(rollout.rolloutMaxFailurePercent),
      },
    });
    this.openRollout.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ListProvidersAndOpenRollout', actions: ['dynamodb:Scan', 'dynamodb:UpdateItem'], resources: [registry.tableArn] }),
    );

    this.rolloutProgress = new OnboardingFunction(this, 'RolloutProgress', {
      name: 'rollout-progress',
      description: "Admits each provider to a policy rollout (or skips it once the tolerance is exceeded) and counts its upgrade's outcome",
      timeout: Duration.seconds(20),
      environment: { TABLE_NAME: table },
    });
    this.rolloutProgress.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'CountRolloutProgress', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [registry.tableArn] }),
    );

    this.closeRollout = new OnboardingFunction(this, 'CloseRollout', {
      name: 'close-rollout',
      description: 'Closes a policy rollout COMPLETED or HALTED and announces it',
      timeout: Duration.seconds(30),
      environment: { TABLE_NAME: table, EVENT_BUS_NAME: bus.eventBusName, EVENT_SOURCE },
    });
    this.closeRollout.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'CloseRollout', actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [registry.tableArn] }),
    );
    this.closeRollout.addToRolePolicy(new iam.PolicyStatement({ sid: 'AnnounceRollout', actions: ['events:PutEvents'], resources: [bus.eventBusArn] }));

    this.stateMachine = workflowStateMachine(this, {
      roleDescription: 'Runs the CAPA policy rollout: may invoke its task functions only',
      definition: sfn.DefinitionBody.fromString(rolloutDefinition(rollout.rolloutConcurrency)),
      substitutions: {
        OpenRolloutFunctionArn: this.openRollout.functionArn,
        RolloutProgressFunctionArn: this.rolloutProgress.functionArn,
        UpgradeProviderPolicyFunctionArn: props.upgradeFunction.functionArn,
        CloseRolloutFunctionArn: this.closeRollout.functionArn,
      },
      invokeSid: 'InvokeRolloutFunctions',
    });
    this.distributedMapPolicy = distributedMapPolicy(this, this.stateMachine, ROLLOUT_MAP_LABEL);

    this.startRollout = new OnboardingFunction(this, 'StartRollout', {
      name: 'start-rollout',
      description: 'Custom resource: starts a policy rollout when a deployment changes the CAPA policy',
      timeout: Duration.seconds(60),
      environment: { TABLE_NAME: table },
    });
    this.allowStartingRollouts(this.startRollout);

    // CloudFormation sends Create on the first deployment and Update whenever PolicyVersion changes;
    // the rollout starts once everything it runs (the upgrade function's new code included) is deployed.
    this.trigger = new CustomResource(this, 'Trigger', {
      serviceToken: this.startRollout.functionArn,
      resourceType: ROLLOUT_RESOURCE_TYPE,
      properties: { PolicyVersion: props.policyVersion },
    });
    this.trigger.node.addDependency(this.stateMachine, props.upgradeFunction);
  }

  /**
   * Lets a function start, answer and supersede rollouts (the API's POST, the custom resource).
   * The API learns the deployed policy's version from POLICY_VERSION; the custom resource from its properties.
   */
  allowStartingRollouts(fn: OnboardingFunction): void {
    fn.function.addEnvironment('ROLLOUT_STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
    if (fn !== this.startRollout) fn.function.addEnvironment('POLICY_VERSION', this.props.policyVersion);
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadWriteRollouts',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [this.props.registry.tableArn],
      }),
    );
    fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'StartRollout', actions: ['states:StartExecution'], resources: [this.stateMachine.stateMachineArn] }));
    // A running rollout is answered while it runs, closed if its execution ended unclosed, and stopped when a newer policy supersedes it.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'DescribeAndStopRollouts',
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [executionArnsOf(this.stateMachine)],
      }),
    );
  }
}
