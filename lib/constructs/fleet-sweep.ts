// The scheduled fleet health sweep: a state machine that lists READY and DEGRADED providers a page
// at a time and re-verifies each page in a Distributed Map (a child execution per provider, bounded
// concurrency, each check paced to a minimum duration so the rate is bounded too) with the
// verification's own two functions, repairs DEGRADED ones when autoRepair is on, and records a
// summary; a schedule rule runs it.
import { readFileSync } from 'node:fs';
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { OnboardingConfig } from '../config.js';
import type { ReconcileConfig } from '../reconcile-config.js';
import { minCheckDurationMs, type SweepConfig } from '../sweep-config.js';
import { OnboardingFunction, PROJECT_ROOT } from './onboarding-function.js';
import { EVENT_SOURCE } from './provider-events.js';
import type { Registry } from './registry.js';
import { reconcileOrganizationFunction } from './reconcile-organization.js';
import { startOnboardingFunction } from './start-onboarding.js';
import type { VerificationWorkflow } from './verification-workflow.js';
import { distributedMapPolicy, workflowStateMachine } from './workflow-state-machine.js';

export const SWEEP_DEFINITION_FILE = `${PROJECT_ROOT}statemachine/sweep-fleet.asl.json`;
export const SWEEP_MAP_STATE = 'Verify Page';
/** The Distributed Map's Label: its child executions are `execution:<state machine>/VerifyPage:<id>`. */
export const SWEEP_MAP_LABEL = 'VerifyPage';

export interface FleetSweepProps {
  readonly config: OnboardingConfig;
  readonly sweep: SweepConfig;
  readonly registry: Registry;
  readonly bus: events.IEventBus;
  readonly verification: VerificationWorkflow;
  /** The onboarding state machine, which a repair starts. */
  readonly onboardingStateMachine: sfn.StateMachine;
  readonly reconcile: ReconcileConfig;
  /** The state machines whose executions the reconcile stops when it finds an account gone (onboarding, offboarding). */
  readonly departureStateMachines: readonly sfn.StateMachine[];
  readonly managementRoleArn: string;
}

/** The ASL file with the Distributed Map's MaxConcurrency set from configuration (the one value CDK cannot substitute into a number). */
export function sweepDefinition(concurrency: number): string {
  const definition = JSON.parse(readFileSync(SWEEP_DEFINITION_FILE, 'utf8')) as { States: Record<string, { MaxConcurrency?: number; Label?: string }> };
  const map = definition.States[SWEEP_MAP_STATE];
  if (map?.Label !== SWEEP_MAP_LABEL) throw new Error(`${SWEEP_DEFINITION_FILE} has no state "${SWEEP_MAP_STATE}" labelled ${SWEEP_MAP_LABEL}`);
  map.MaxConcurrency = concurrency;
  return JSON.stringify(definition, null, 2);
}

export class FleetSweep extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly reconcileOrganization: OnboardingFunction;
  readonly listFleet: OnboardingFunction;
  readonly repairProvider: OnboardingFunction;
  readonly recordSweep: OnboardingFunction;
  readonly schedule: events.Rule;
  /** What the Distributed Map needs of the state machine's role: start, describe and stop its child executions. */
  readonly distributedMapPolicy: iam.Policy;

  constructor(scope: Construct, id: string, props: FleetSweepProps) {
    super(scope, id);
    const { config, sweep, registry, verification } = props;

    this.reconcileOrganization = reconcileOrganizationFunction(this, 'ReconcileOrganization', {
      config,
      reconcile: props.reconcile,
      registry,
      bus: props.bus,
      onboardingStateMachine: props.onboardingStateMachine,
      departureStateMachines: props.departureStateMachines,
      managementRoleArn: props.managementRoleArn,
    });

    this.listFleet = new OnboardingFunction(this, 'ListFleet', {
      name: 'list-fleet',
      description: 'Lists a page of the READY and DEGRADED providers a fleet sweep re-verifies',
      timeout: Duration.seconds(60),
      environment: {
        TABLE_NAME: registry.table.tableName,
        AUTO_REPAIR: String(sweep.autoRepair),
        PAGE_SIZE: String(sweep.sweepPageSize),
        // Handed to each child's check-provider through the page: the rate bound, sweepChecksPerSecond.
        MIN_CHECK_MS: String(minCheckDurationMs(sweep.sweepConcurrency, sweep.sweepChecksPerSecond)),
      },
    });
    this.listFleet.addToRolePolicy(new iam.PolicyStatement({ sid: 'ScanProviders', actions: ['dynamodb:Scan'], resources: [registry.tableArn] }));

    // The repair is a POST's start path: same settings, conditional writes and StartExecution.
    this.repairProvider = startOnboardingFunction(this, 'RepairProvider', {
      name: 'repair-provider',
      description: 'Starts the repair (next onboarding attempt) of a provider a sweep found DEGRADED',
      config,
      registry,
      stateMachine: props.onboardingStateMachine,
    });

    this.recordSweep = new OnboardingFunction(this, 'RecordSweep', {
      name: 'record-sweep',
      description: 'Tallies a fleet sweep page by page, records its summary and announces Fleet Sweep Completed',
      timeout: Duration.seconds(30),
      environment: { TABLE_NAME: registry.table.tableName, EVENT_BUS_NAME: props.bus.eventBusName, EVENT_SOURCE },
    });
    this.recordSweep.addToRolePolicy(new iam.PolicyStatement({ sid: 'RecordSweep', actions: ['dynamodb:PutItem'], resources: [registry.tableArn] }));
    this.recordSweep.addToRolePolicy(new iam.PolicyStatement({ sid: 'AnnounceSweep', actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }));

    const functions = [this.reconcileOrganization, this.listFleet, verification.checkProvider, verification.recordVerification, this.repairProvider, this.recordSweep];
    this.stateMachine = workflowStateMachine(this, {
      roleDescription: 'Runs the CAPA fleet sweep: may invoke its task functions only',
      definition: sfn.DefinitionBody.fromString(sweepDefinition(sweep.sweepConcurrency)),
      substitutions: {
        ReconcileOrganizationFunctionArn: this.reconcileOrganization.functionArn,
        ListFleetFunctionArn: this.listFleet.functionArn,
        CheckProviderFunctionArn: verification.checkProvider.functionArn,
        RecordVerificationFunctionArn: verification.recordVerification.functionArn,
        RepairProviderFunctionArn: this.repairProvider.functionArn,
        RecordSweepFunctionArn: this.recordSweep.functionArn,
      },
      invokeSid: 'InvokeSweepFunctions',
    });
    this.distributedMapPolicy = distributedMapPolicy(this, this.stateMachine, SWEEP_MAP_LABEL);

    // Disabled rather than absent when off: the state machine still runs on demand (StartExecution).
    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the CAPA fleet health sweep',
      schedule: events.Schedule.expression(sweep.sweepSchedule),
      enabled: sweep.sweepEnabled,
      targets: [new targets.SfnStateMachine(this.stateMachine, { retryAttempts: 2 })],
    });
  }
}
