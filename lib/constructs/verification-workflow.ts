// The re-verification state machine and its two task functions. Like the onboarding, the ASL file
// is the single source of truth (deployed as is, run by the local cloud), and each run is an
// execution an operator reads in the history.
import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { OnboardingConfig } from '../config.js';
import { OnboardingFunction, PROJECT_ROOT } from './onboarding-function.js';
import { EVENT_SOURCE } from './provider-events.js';
import type { Registry } from './registry.js';
import { workflowStateMachine } from './workflow-state-machine.js';

export const VERIFICATION_DEFINITION_FILE = `${PROJECT_ROOT}statemachine/verify-provider.asl.json`;

const STEP_TIMEOUT = Duration.seconds(30);

export interface VerificationWorkflowProps {
  readonly config: OnboardingConfig;
  readonly registry: Registry;
  readonly bus: events.IEventBus;
  readonly managementPrincipalArn: string;
  readonly managementRoleArn: string;
  readonly bootstrapRoleArns: readonly string[];
  readonly providerRoleArns: string;
}

export class VerificationWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly checkProvider: OnboardingFunction;
  readonly recordVerification: OnboardingFunction;

  constructor(scope: Construct, id: string, props: VerificationWorkflowProps) {
    super(scope, id);
    const { config, registry } = props;

    this.checkProvider = new OnboardingFunction(this, 'CheckProvider', {
      name: 'check-provider',
      description: 'Checks a provider against what onboarding made of it (read-only)',
      timeout: STEP_TIMEOUT,
      environment: {
        TABLE_NAME: registry.table.tableName,
        BOOTSTRAP_ROLE_NAME: config.bootstrapRoleName,
        ROLE_PATH: config.rolePath,
        MANAGEMENT_PRINCIPAL_ARN: props.managementPrincipalArn,
        MANAGEMENT_ROLE_ARN: props.managementRoleArn,
        GRANT_MODE: config.grantMode,
      },
    });
    this.checkProvider.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReadProvider', actions: ['dynamodb:GetItem'], resources: [registry.tableArn] }),
    );
    // The bootstrap session (narrowed to the product's path by its session policy) reads the role
    // and policies; the provider roles are assumed to prove the External ID works and is required.
    this.checkProvider.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'AssumeBootstrapAndProviderRoles',
        actions: ['sts:AssumeRole'],
        resources: [...props.bootstrapRoleArns, props.providerRoleArns],
      }),
    );
    this.checkProvider.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'InspectManagementRole',
        actions: ['iam:GetRolePolicy', 'iam:SimulatePrincipalPolicy'],
        resources: [props.managementRoleArn],
      }),
    );

    this.recordVerification = new OnboardingFunction(this, 'RecordVerification', {
      name: 'record-verification',
      description: 'Records a verification (READY or DEGRADED) and announces a change on the event bus',
      timeout: STEP_TIMEOUT,
      environment: { TABLE_NAME: registry.table.tableName, EVENT_BUS_NAME: props.bus.eventBusName, EVENT_SOURCE },
    });
    this.recordVerification.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'RecordVerification', actions: ['dynamodb:UpdateItem'], resources: [registry.tableArn] }),
    );
    this.recordVerification.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'AnnounceChange', actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }),
    );

    this.stateMachine = workflowStateMachine(this, {
      roleDescription: 'Runs the CAPA provider verification workflow: may invoke its two task functions only',
      definition: sfn.DefinitionBody.fromFile(VERIFICATION_DEFINITION_FILE),
      substitutions: {
        CheckProviderFunctionArn: this.checkProvider.functionArn,
        RecordVerificationFunctionArn: this.recordVerification.functionArn,
      },
      invokeSid: 'InvokeVerificationFunctions',
    });
  }
}
