// A state machine as the local Step Functions keeps it: its definition validated as written (ARNs
// and paths included) and compiled for the interpreter, and the ARN checks and error shape every
// operation shares.
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { AwsServiceError } from '../core/types.js';
import { isCallbackTask, prepareCallbackState } from './callback-task.js';
import { rewriteNegatedTypeTests, statesByName, withDefaultTaskTimeouts, type StateDefinition } from './definition.js';
import { prepareDistributedMaps } from './distributed-map-definition.js';

export interface MachineRecord {
  arn: string;
  name: string;
  definition: string;
  roleArn: string;
  creationDate: number;
  interpreter: StateMachine;
  states: Map<string, StateDefinition>;
  /** The definition's top-level TimeoutSeconds, which the executor enforces (the interpreter does not see it). */
  timeoutSeconds?: number;
  /** DISTRIBUTED Map states as written, by name: the interpreter runs each as a Task (distributed-map.ts). */
  distributedMaps: Map<string, StateDefinition>;
}

export function sfnError(code: string, message: string): AwsServiceError {
  return new AwsServiceError(code, message, 400);
}

export function assertStateMachineArn(arn: string): void {
  if (!/^arn:[^:]+:states:[^:]+:\d{12}:stateMachine:[^:]+$/.test(arn)) {
    throw sfnError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn.split(':')[5] ?? arn}'`);
  }
}

export function assertExecutionArn(arn: string): void {
  if (!/^arn:[^:]+:states:[^:]+:\d{12}:execution:[^:]+:[^:]+$/.test(arn)) {
    throw sfnError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn.split(':')[5] ?? arn}'`);
  }
}

export function assertMapRunArn(arn: string): void {
  if (!/^arn:[^:]+:states:[^:]+:\d{12}:mapRun:[^:]+\/[^:]+:[^:]+$/.test(arn)) {
    throw sfnError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn.split(':')[5] ?? arn}'`);
  }
}

/** Validates an ASL definition as written (ARNs and paths included) and prepares its interpreter. */
export function compileStateMachine(arn: string, name: string, definition: string, roleArn: string, creationDate: number): MachineRecord {
  let parsed: StateMachineDefinition;
  try {
    parsed = JSON.parse(definition) as StateMachineDefinition;
    new StateMachine(parsed, { validationOptions: { checkArn: true, checkPaths: true } });
  } catch (error) {
    throw sfnError('InvalidDefinition', `Invalid State Machine Definition: '${error instanceof Error ? error.message : String(error)}'`);
  }
  // The executor enforces the execution timeout, scaled like retry intervals for tests; the
  // interpreter would run its own unscaled timer.
  const { TimeoutSeconds: timeoutSeconds, ...runnable } = withDefaultTaskTimeouts(parsed);
  const distributedMaps = prepareDistributedMaps(runnable);
  rewriteNegatedTypeTests(runnable);
  for (const [stateName, state] of statesByName(runnable)) if (isCallbackTask(state)) prepareCallbackState(stateName, state);
  const interpreter = new StateMachine(runnable as StateMachineDefinition, { validationOptions: { noValidate: true } });
  return {
    arn,
    name,
    definition,
    roleArn,
    creationDate,
    interpreter,
    states: statesByName(parsed),
    distributedMaps,
    ...(typeof timeoutSeconds === 'number' ? { timeoutSeconds } : {}),
  };
}
