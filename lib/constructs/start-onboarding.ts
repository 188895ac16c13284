// What a function needs to start onboardings through functions/shared/adapters/start-onboarding.ts
// (the API and the new-account trigger): its settings, and conditional writes plus StartExecution
// and DescribeExecution.
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { OnboardingConfig } from '../config.js';
import { OnboardingFunction } from './onboarding-function.js';
import type { Registry } from './registry.js';

export interface StartOnboardingFunctionProps {
  readonly name: string;
  readonly description: string;
  readonly config: OnboardingConfig;
  readonly registry: Registry;
  readonly stateMachine: sfn.StateMachine;
  /** Variables beyond the start path's own. */
  readonly environment?: Record<string, string>;
  /** Default 10 s: one start; a function that starts many (the reconcile) needs longer. */
  readonly timeout?: Duration;
}

/** `arn:<partition>:states:<region>:<account>:execution:<state machine name>:*`: every execution of the state machine. */
export function executionArnsOf(stateMachine: sfn.StateMachine): string {
  return Stack.of(stateMachine).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachine.stateMachineName}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

export function startOnboardingFunction(scope: Construct, id: string, props: StartOnboardingFunctionProps): OnboardingFunction {
  const { config, registry, stateMachine } = props;
  const fn = new OnboardingFunction(scope, id, {
    name: props.name,
    description: props.description,
    timeout: props.timeout ?? Duration.seconds(10),
    environment: {
      TABLE_NAME: registry.table.tableName,
      STATE_MACHINE_ARN: stateMachine.stateMachineArn,
      ROLE_PATH: config.rolePath,
      ROLE_NAME_PREFIX: config.roleNamePrefix,
      ...props.environment,
    },
  });
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReadWriteProviders',
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resources: [registry.tableArn],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({ sid: 'StartOnboarding', actions: ['states:StartExecution'], resources: [stateMachine.stateMachineArn] }),
  );
  // A provider still in flight whose execution was refused as "already exists" is converged by
  // asking whether that execution still runs.
  fn.addToRolePolicy(
    new iam.PolicyStatement({ sid: 'DescribeOnboardingExecutions', actions: ['states:DescribeExecution'], resources: [executionArnsOf(stateMachine)] }),
  );
  return fn;
}
