// What every workflow of the stack shares: a Standard state machine running its ASL, with
// full execution logs kept three months, X-Ray tracing, and a role that may invoke its own task
// functions and nothing else. Created in the calling construct's scope, so logical ids stay stable.
import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

export interface WorkflowStateMachineProps {
  /** The state machine role's description: what it runs and what it may invoke. */
  roleDescription: string;
  /** The ASL: `sfn.DefinitionBody.fromFile(…)`, or built from text where the stack fills in a value. */
  definition: sfn.DefinitionBody;
  /** ASL placeholder → the function ARN it stands for. */
  substitutions: Record<string, string>;
  /** The Sid of the role's one invoke statement. */
  invokeSid: string;
}

export function workflowStateMachine(scope: Construct, props: WorkflowStateMachineProps): sfn.StateMachine {
  const logGroup = new logs.LogGroup(scope, 'ExecutionLogs', {
    retention: logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const role = new iam.Role(scope, 'StateMachineRole', {
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
    description: props.roleDescription,
  });
  // Task states use the unqualified function ARN as Resource, so no ":*" (version/alias) grant.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: props.invokeSid, actions: ['lambda:InvokeFunction'], resources: Object.values(props.substitutions) }),
  );
  return new sfn.StateMachine(scope, 'StateMachine', {
    stateMachineType: sfn.StateMachineType.STANDARD,
    definitionBody: props.definition,
    definitionSubstitutions: props.substitutions,
    role,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    tracingEnabled: true,
  });
}

/**
 * Lets a state machine's Distributed Map (label `mapLabel`) start and manage its child executions.
 * A policy of its own, attached after the state machine exists (it names the state machine), as
 * CDK's DistributedMap does: in the role's default policy it would be a circular dependency.
 */
export function distributedMapPolicy(scope: Construct, stateMachine: sfn.StateMachine, mapLabel: string): iam.Policy {
  const childExecutions = Stack.of(scope).formatArn({
    service: 'states',
    resource: 'execution',
    resourceName: `${stateMachine.stateMachineName}/${mapLabel}:*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  const policy = new iam.Policy(scope, 'DistributedMapPolicy', {
    statements: [
      new iam.PolicyStatement({ sid: 'StartChildExecutions', actions: ['states:StartExecution'], resources: [stateMachine.stateMachineArn] }),
      new iam.PolicyStatement({ sid: 'ManageChildExecutions', actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [childExecutions] }),
    ],
  });
  stateMachine.role.attachInlinePolicy(policy);
  return policy;
}
