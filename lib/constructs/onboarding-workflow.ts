// The onboarding state machine and its six task functions. The ASL file is the single source of
// truth: CDK deploys it as is (with the function ARNs substituted) and the local cloud runs it.
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { OnboardingConfig } from '../config.js';
import { OnboardingFunction, PROJECT_ROOT } from './onboarding-function.js';
import { EVENT_SOURCE } from './provider-events.js';
import type { Registry } from './registry.js';
import { workflowStateMachine } from './workflow-state-machine.js';

export const DEFINITION_FILE = `${PROJECT_ROOT}statemachine/onboard-provider.asl.json`;

const STEP_TIMEOUT = Duration.seconds(30);
/**
 * Verification polls AssumeRole within one invocation until IAM has propagated the role: a minute
 * covers most propagation delays in one invocation (the Task's TimeoutSeconds in the ASL is longer).
 */
export const VERIFY_STEP_TIMEOUT = Duration.seconds(60);

export interface OnboardingWorkflowProps {
  readonly config: OnboardingConfig;
  readonly registry: Registry;
  readonly bus: events.IEventBus;
  /** arn:<partition>:iam::<managementAccountId>:root */
  readonly managementPrincipalArn: string;
  /** arn:<partition>:iam::<managementAccountId>:role/<managementRoleName> */
  readonly managementRoleArn: string;
  /** arn:<partition>:iam::*:role/<name>, for each bootstrap role name the deployment may assume */
  readonly bootstrapRoleArns: readonly string[];
  /** arn:<partition>:iam::*:role<rolePath>* */
  readonly providerRoleArns: string;
}

export class OnboardingWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly createRole: OnboardingFunction;
  readonly attachPolicies: OnboardingFunction;
  readonly grantManagement: OnboardingFunction;
  readonly verifyRole: OnboardingFunction;
  readonly recordResult: OnboardingFunction;
  readonly compensate: OnboardingFunction;
  /** The six task functions, in the order of the happy path then compensation. */
  readonly functions: readonly OnboardingFunction[];

  constructor(scope: Construct, id: string, props: OnboardingWorkflowProps) {
    super(scope, id);
    const { config, registry } = props;
    const tableName = registry.table.tableName;

    const updateItem = (sid: string) =>
      new iam.PolicyStatement({ sid, actions: ['dynamodb:UpdateItem'], resources: [registry.tableArn] });
    // A step that creates in the target account reads its attempt when done: one that FAILED while
    // the step ran (a stopped execution) gets what the step created removed (ended-attempt.ts).
    const readAttempt = () =>
      new iam.PolicyStatement({ sid: 'ReadProviderAttempt', actions: ['dynamodb:GetItem'], resources: [registry.tableArn] });
    // The target-account IAM writes happen in this session; its session policy narrows them to
    // the product's path, so the bootstrap role's broad rights never reach other roles.
    const assumeBootstrapRole = () =>
      new iam.PolicyStatement({ sid: 'AssumeBootstrapRoleInTargetAccounts', actions: ['sts:AssumeRole'], resources: [...props.bootstrapRoleArns] });

    this.createRole = new OnboardingFunction(this, 'CreateRole', {
      name: 'create-role',
      description: 'Creates the CAPA provider role in the target account',
      timeout: STEP_TIMEOUT,
      environment: {
        TABLE_NAME: tableName,
        BOOTSTRAP_ROLE_NAME: config.bootstrapRoleName,
        ROLE_PATH: config.rolePath,
        MANAGEMENT_PRINCIPAL_ARN: props.managementPrincipalArn,
      },
    });
    this.createRole.addToRolePolicy(assumeBootstrapRole());
    this.createRole.addToRolePolicy(updateItem('MarkProviderCreating'));
    this.createRole.addToRolePolicy(readAttempt());

    this.attachPolicies = new OnboardingFunction(this, 'AttachPolicies', {
      name: 'attach-policies',
      description: "Creates and attaches CAPA's minimal policy to the provider role",
      timeout: STEP_TIMEOUT,
      environment: {
        TABLE_NAME: tableName,
        BOOTSTRAP_ROLE_NAME: config.bootstrapRoleName,
        ROLE_PATH: config.rolePath,
      },
    });
    this.attachPolicies.addToRolePolicy(assumeBootstrapRole());
    this.attachPolicies.addToRolePolicy(readAttempt());

    const managementGrantPolicy = (actions: string[]) =>
      new iam.PolicyStatement({ sid: 'MaintainManagementRoleGrant', actions, resources: [props.managementRoleArn] });

    this.grantManagement = new OnboardingFunction(this, 'GrantManagement', {
      name: 'grant-management',
      description: "Lets the management cluster's role assume provider roles",
      timeout: STEP_TIMEOUT,
      environment: {
        MANAGEMENT_ROLE_ARN: props.managementRoleArn,
        ROLE_PATH: config.rolePath,
        GRANT_MODE: config.grantMode,
      },
    });
    this.grantManagement.addToRolePolicy(managementGrantPolicy(['iam:GetRolePolicy', 'iam:PutRolePolicy']));

    this.verifyRole = new OnboardingFunction(this, 'VerifyRole', {
      name: 'verify-role',
      description: 'Proves the provider role is assumable with its External ID, and only with it',
      timeout: VERIFY_STEP_TIMEOUT,
      environment: {
        TABLE_NAME: tableName,
        VERIFY_TIMEOUT_SECONDS: String(config.verifyTimeoutSeconds),
      },
    });
    this.verifyRole.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'AssumeProviderRoles', actions: ['sts:AssumeRole'], resources: [props.providerRoleArns] }),
    );
    this.verifyRole.addToRolePolicy(updateItem('MarkProviderVerifying'));

    this.recordResult = new OnboardingFunction(this, 'RecordResult', {
      name: 'record-result',
      description: 'Records READY or FAILED in the registry and announces it on the event bus',
      timeout: STEP_TIMEOUT,
      environment: {
        TABLE_NAME: tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        EVENT_SOURCE,
      },
    });
    this.recordResult.addToRolePolicy(updateItem('RecordOutcome'));
    this.recordResult.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'AnnounceOutcome', actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );

    this.compensate = new OnboardingFunction(this, 'Compensate', {
      name: 'compensate',
      description: 'Removes what a failed onboarding created, and its per-role grant',
      timeout: STEP_TIMEOUT,
      environment: {
        BOOTSTRAP_ROLE_NAME: config.bootstrapRoleName,
        ROLE_PATH: config.rolePath,
        MANAGEMENT_ROLE_ARN: props.managementRoleArn,
        GRANT_MODE: config.grantMode,
      },
    });
    this.compensate.addToRolePolicy(assumeBootstrapRole());
    this.compensate.addToRolePolicy(managementGrantPolicy(['iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy']));

    this.functions = [this.createRole, this.attachPolicies, this.grantManagement, this.verifyRole, this.recordResult, this.compensate];

    this.stateMachine = workflowStateMachine(this, {
      roleDescription: 'Runs the CAPA provider onboarding workflow: may invoke its six task functions only',
      definition: sfn.DefinitionBody.fromFile(DEFINITION_FILE),
      substitutions: {
        CreateRoleFunctionArn: this.createRole.functionArn,
        AttachPoliciesFunctionArn: this.attachPolicies.functionArn,
        GrantManagementFunctionArn: this.grantManagement.functionArn,
        VerifyRoleFunctionArn: this.verifyRole.functionArn,
        RecordResultFunctionArn: this.recordResult.functionArn,
        CompensateFunctionArn: this.compensate.functionArn,
      },
      invokeSid: 'InvokeWorkflowFunctions',
    });
  }
}
