// The whole backend in one stack: registry, event bus, workflow, API and new-account triggers.
import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { bootstrapRoleNames, readConfig, type OnboardingConfig } from './config.js';
import { acknowledgeNagFindings } from './nag-acknowledgements.js';
import { AccountDepartures } from './constructs/account-departures.js';
import { ExecutionEnded } from './constructs/execution-ended.js';
import { NewAccountTriggers } from './constructs/new-account-triggers.js';
import { OnboardingApi } from './constructs/onboarding-api.js';
import { OffboardingWorkflow } from './constructs/offboarding-workflow.js';
import { OnboardingWorkflow } from './constructs/onboarding-workflow.js';
import { ProviderEvents } from './constructs/provider-events.js';
import { Registry } from './constructs/registry.js';
import { VerificationWorkflow } from './constructs/verification-workflow.js';
import { RotationWorkflow } from './constructs/rotation-workflow.js';
import { FleetSweep } from './constructs/fleet-sweep.js';
import { readSweepConfig, type SweepConfig } from './sweep-config.js';
import { readReconcileConfig, type ReconcileConfig } from './reconcile-config.js';
import { PolicyRollout } from './constructs/policy-rollout.js';
import { policyUpgradeFunction } from './constructs/policy-upgrade-function.js';
import { readRolloutConfig, type RolloutConfig } from './rollout-config.js';
import { readCapaPolicyConfig } from './policy-config.js';

export const STACK_NAME = 'CapaProviderOnboarding';

export interface OnboardingStackProps extends StackProps {
  /** Overrides the CDK context (tests); by default read from cdk.json / `-c`. */
  readonly config?: OnboardingConfig;
  /** Overrides the fleet sweep's CDK context (tests). */
  readonly sweep?: SweepConfig;
  /** Overrides the reconcile's CDK context (tests). */
  readonly reconcile?: ReconcileConfig;
  /** Overrides the policy rollout's CDK context (tests). */
  readonly rollout?: RolloutConfig;
}

export class OnboardingStack extends Stack {
  readonly config: OnboardingConfig;
  readonly registry: Registry;
  readonly events: ProviderEvents;
  readonly workflow: OnboardingWorkflow;
  readonly verification: VerificationWorkflow;
  readonly offboarding: OffboardingWorkflow;
  readonly rotation: RotationWorkflow;
  readonly api: OnboardingApi;
  readonly triggers: NewAccountTriggers;
  readonly executionEnded: ExecutionEnded;
  readonly fleetSweep: FleetSweep;
  readonly departures: AccountDepartures;
  readonly policyRollout: PolicyRollout;

  constructor(scope: Construct, id: string, props: OnboardingStackProps = {}) {
    super(scope, id, {
      description: 'Onboards AWS accounts as Cluster API Provider AWS (CAPA) infrastructure providers',
      ...props,
    });
    const config = (this.config = props.config ?? readConfig(this.node));

    // Partition and (by default) account stay tokens, so one template fits any account and
    // partition, and synth needs no credentials.
    const partition = Aws.PARTITION;
    const managementAccountId = config.managementAccountId ?? Aws.ACCOUNT_ID;
    const managementRoleArn = `arn:${partition}:iam::${managementAccountId}:role/${config.managementRoleName}`;
    // The API's default bootstrap role and each trigger source's: exactly the configured names.
    const bootstrapRoleArns = bootstrapRoleNames(config).map((name) => `arn:${partition}:iam::*:role/${name}`);

    this.registry = new Registry(this, 'Registry');
    this.events = new ProviderEvents(this, 'ProviderEvents');
    this.workflow = new OnboardingWorkflow(this, 'OnboardingWorkflow', {
      config,
      registry: this.registry,
      bus: this.events.bus,
      managementPrincipalArn: `arn:${partition}:iam::${managementAccountId}:root`,
      managementRoleArn,
      bootstrapRoleArns,
      providerRoleArns: `arn:${partition}:iam::*:role${config.rolePath}*`,
    });
    this.verification = new VerificationWorkflow(this, 'VerificationWorkflow', {
      config,
      registry: this.registry,
      bus: this.events.bus,
      managementPrincipalArn: `arn:${partition}:iam::${managementAccountId}:root`,
      managementRoleArn,
      bootstrapRoleArns,
      providerRoleArns: `arn:${partition}:iam::*:role${config.rolePath}*`,
    });
    this.offboarding = new OffboardingWorkflow(this, 'OffboardingWorkflow', {
      config,
      registry: this.registry,
      bus: this.events.bus,
      managementRoleArn,
      bootstrapRoleArns,
    });
    this.rotation = new RotationWorkflow(this, 'RotationWorkflow', {
      config,
      registry: this.registry,
      bus: this.events.bus,
      managementPrincipalArn: `arn:${partition}:iam::${managementAccountId}:root`,
      bootstrapRoleArns,
      providerRoleArns: `arn:${partition}:iam::*:role${config.rolePath}*`,
    });
    this.api = new OnboardingApi(this, 'OnboardingApi', {
      config,
      registry: this.registry,
      stateMachine: this.workflow.stateMachine,
      verificationStateMachine: this.verification.stateMachine,
      rotationStateMachine: this.rotation.stateMachine,
    });
    this.offboarding.allowStartingOffboardings(this.api.handler);
    this.triggers = new NewAccountTriggers(this, 'NewAccountTriggers', {
      config,
      registry: this.registry,
      stateMachine: this.workflow.stateMachine,
    });
    this.executionEnded = new ExecutionEnded(this, 'ExecutionEnded', {
      config,
      registry: this.registry,
      bus: this.events.bus,
      stateMachine: this.workflow.stateMachine,
      offboardingStateMachine: this.offboarding.stateMachine,
      managementRoleArn,
      bootstrapRoleArns,
    });
    this.departures = new AccountDepartures(this, 'AccountDepartures', {
      config,
      registry: this.registry,
      bus: this.events.bus,
      stateMachines: [this.workflow.stateMachine, this.offboarding.stateMachine],
      managementRoleArn,
    });

    this.fleetSweep = new FleetSweep(this, 'FleetSweep', {
      config,
      sweep: props.sweep ?? readSweepConfig(this.node),
      registry: this.registry,
      bus: this.events.bus,
      verification: this.verification,
      onboardingStateMachine: this.workflow.stateMachine,
      reconcile: props.reconcile ?? readReconcileConfig(this.node),
      departureStateMachines: [this.workflow.stateMachine, this.offboarding.stateMachine],
      managementRoleArn,
    });

    this.policyRollout = new PolicyRollout(this, 'PolicyRollout', {
      rollout: props.rollout ?? readRolloutConfig(this.node),
      registry: this.registry,
      bus: this.events.bus,
      upgradeFunction: policyUpgradeFunction(this, 'UpgradeProviderPolicy', {
        config,
        registry: this.registry,
        bus: this.events.bus,
        bootstrapRoleArns,
        providerRoleArns: `arn:${partition}:iam::*:role${config.rolePath}*`,
      }),
      // The version of the document this deployment bundles (capaPolicyFile): a change starts a rollout.
      policyVersion: readCapaPolicyConfig(this.node).policy.version,
    });
    this.policyRollout.allowStartingRollouts(this.api.handler);

    acknowledgeNagFindings(this);

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'Base URL of the providers API (SigV4)' });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'VerificationStateMachineArn', { value: this.verification.stateMachine.stateMachineArn });
    new CfnOutput(this, 'SweepStateMachineArn', { value: this.fleetSweep.stateMachine.stateMachineArn, description: 'The fleet health sweep (start an execution to run it now)' });
    new CfnOutput(this, 'RolloutStateMachineArn', { value: this.policyRollout.stateMachine.stateMachineArn, description: 'The CAPA policy rollout' });
    new CfnOutput(this, 'OffboardingStateMachineArn', { value: this.offboarding.stateMachine.stateMachineArn });
    new CfnOutput(this, 'RotationStateMachineArn', { value: this.rotation.stateMachine.stateMachineArn });
    new CfnOutput(this, 'RegistryTableName', { value: this.registry.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.events.bus.eventBusName });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.triggers.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'AccountDepartureDeadLetterQueueUrl', {
      value: this.departures.deadLetterQueue.queueUrl,
      description: 'Account departure events that could not be handled (replay them to the account-departure function)',
    });
    new CfnOutput(this, 'ExecutionEndedDeadLetterQueueUrl', {
      value: this.executionEnded.deadLetterQueue.queueUrl,
      description: 'Execution status changes the registry could not converge with (replay them to the execution-ended function)',
    });
  }
}

