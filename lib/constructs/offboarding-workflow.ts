// The offboarding state machine and its three task functions. As for onboarding, the ASL file is
// the single source of truth: CDK deploys it as is (with the function ARNs substituted) and the
// local cloud runs it.
import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { OnboardingConfig } from '../config.js';
import { OnboardingFunction, PROJECT_ROOT } from './onboarding-function.js';
import { EVENT_SOURCE } from './provider-events.js';
import type { Registry } from './registry.js';
import { executionArnsOf } from './start-onboarding.js';
import { workflowStateMachine } from './workflow-state-machine.js';

export const OFFBOARDING_DEFINITION_FILE = `${PROJECT_ROOT}statemachine/offboard-provider.asl.json`;

const STEP_TIMEOUT = Duration.seconds(30);

export interface OffboardingWorkflowProps {
  readonly config: OnboardingConfig;
  readonly registry: Registry;
  readonly bus: events.IEventBus;
  /** arn:<partition>:iam::<managementAccountId>:role/<managementRoleName> */
  readonly managementRoleArn: string;
  /** arn:<partition>:iam::*:role/<name>, for each bootstrap role name the deployment may assume */
  readonly bootstrapRoleArns: readonly string[];
}

export class OffboardingWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly revokeGrant: OnboardingFunction;
  readonly removeProviderResources: OnboardingFunction;
  readonly recordOffboarding: OnboardingFunction;
  /** The three task functions, in the order of the happy path. */
  readonly functions: readonly OnboardingFunction[];

  constructor(scope: Construct, id: string, props: OffboardingWorkflowProps) {
    super(scope, id);
    const { config, registry } = props;

    this.revokeGrant = new OnboardingFunction(this, 'RevokeGrant', {
      name: 'revoke-grant',
      description: "Offboarding: takes the provider role out of the management role's per-role grant",
      timeout: STEP_TIMEOUT,
      environment: { MANAGEMENT_ROLE_ARN: props.managementRoleArn, ROLE_PATH: config.rolePath, GRANT_MODE: config.grantMode },
    });
    this.revokeGrant.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'MaintainManagementRoleGrant',
        actions: ['iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
        resources: [props.managementRoleArn],
      }),
    );

    this.removeProviderResources = new OnboardingFunction(this, 'RemoveProviderResources', {
      name: 'remove-provider-resources',
      description: "Offboarding: removes the provider's CAPA policies and role (only what this product created for it)",
      // Room for the SDK's retries of a dozen IAM calls in the target account.
      timeout: Duration.seconds(60),
      environment: { BOOTSTRAP_ROLE_NAME: config.bootstrapRoleName, ROLE_PATH: config.rolePath },
    });
    // The session policy passed to AssumeRole narrows the bootstrap role's rights to the product's path.
    this.removeProviderResources.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'AssumeBootstrapRoleInTargetAccounts', actions: ['sts:AssumeRole'], resources: [...props.bootstrapRoleArns] }),
    );

    this.recordOffboarding = new OnboardingFunction(this, 'RecordOffboarding', {
      name: 'record-offboarding',
      description: 'Offboarding: records DELETED (tombstone) or FAILED and announces it on the event bus',
      timeout: STEP_TIMEOUT,
      environment: { TABLE_NAME: registry.table.tableName, EVENT_BUS_NAME: props.bus.eventBusName, EVENT_SOURCE },
    });
    this.recordOffboarding.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'RecordOutcome', actions: ['dynamodb:UpdateItem'], resources: [registry.tableArn] }),
    );
    this.recordOffboarding.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'AnnounceOutcome', actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );

    this.functions = [this.revokeGrant, this.removeProviderResources, this.recordOffboarding];

    this.stateMachine = workflowStateMachine(this, {
      roleDescription: 'Runs the CAPA provider offboarding workflow: may invoke its three task functions only',
      definition: sfn.DefinitionBody.fromFile(OFFBOARDING_DEFINITION_FILE),
      substitutions: {
        RevokeGrantFunctionArn: this.revokeGrant.functionArn,
        RemoveProviderResourcesFunctionArn: this.removeProviderResources.functionArn,
        RecordOffboardingFunctionArn: this.recordOffboarding.functionArn,
      },
      invokeSid: 'InvokeWorkflowFunctions',
    });
  }

  /**
   * Lets `fn` start offboardings (functions/shared/adapters/start-offboarding.ts): the state
   * machine's ARN in OFFBOARDING_STATE_MACHINE_ARN, StartExecution on it, and DescribeExecution on
   * its executions (a repeated DELETE asks whether the recorded one still runs).
   */
  allowStartingOffboardings(fn: OnboardingFunction): void {
    fn.function.addEnvironment('OFFBOARDING_STATE_MACHINE_ARN', this.stateMachine.stateMachineArn);
    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'StartOffboarding', actions: ['states:StartExecution'], resources: [this.stateMachine.stateMachineArn] }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'DescribeOffboardingExecutions',
        actions: ['states:DescribeExecution'],
        resources: [executionArnsOf(this.stateMachine)],
      }),
    );
  }
}
