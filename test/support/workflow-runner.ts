// Runs the real onboarding ASL in aws-local-stepfunctions with the real handlers as its tasks,
// the way Step Functions invokes Lambda: the handler's error name becomes the state error.
import '../../local/polyfills.js';
import type { Context } from 'aws-lambda';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { fakeFunctionArn, loadDefinition } from './asl-files.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export const TEST_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:OnboardProvider';

/** Placeholder → the handler module's path, as the CDK stack wires them. */
const FUNCTION_MODULES: Record<string, string> = {
  CreateRoleFunctionArn: '../../functions/create-role/handler.js',
  AttachPoliciesFunctionArn: '../../functions/attach-policies/handler.js',
  GrantManagementFunctionArn: '../../functions/grant-management/handler.js',
  VerifyRoleFunctionArn: '../../functions/verify-role/handler.js',
  RecordResultFunctionArn: '../../functions/record-result/handler.js',
  CompensateFunctionArn: '../../functions/compensate/handler.js',
};

export interface WorkflowRun {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
  /** States entered, in order (what Step Functions bills as transitions). */
  statesEntered: string[];
  /** Lambda invocations per state, retries included. */
  invocations: Record<string, number>;
}

function lambdaContext(functionName: string): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export async function runOnboardingWorkflow(
  input: unknown,
  options: { executionName: string; retryDelayMs?: number; verifyRetryDelayMs?: number },
): Promise<WorkflowRun> {
  const handlers = new Map<string, { name: string; handler: Handler }>();
  for (const [placeholder, path] of Object.entries(FUNCTION_MODULES)) {
    const module = (await import(path)) as { handler: Handler };
    handlers.set(fakeFunctionArn(placeholder), { name: placeholder.replace(/FunctionArn$/, ''), handler: module.handler });
  }
  const definition = loadDefinition('onboard-provider.asl.json', fakeFunctionArn) as unknown as StateMachineDefinition;
  const invocations: Record<string, number> = {};
  const taskHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [stateName, state] of Object.entries(definition.States)) {
    if (state.Type !== 'Task') continue;
    const target = handlers.get(state.Resource);
    if (!target) throw new Error(`State ${stateName} has no handler for ${state.Resource}`);
    retryIntervalOverrides[stateName] =
      stateName === 'Verify Role Is Assumable' ? (options.verifyRetryDelayMs ?? 0) : (options.retryDelayMs ?? 0);
    taskHandlers[stateName] = async (taskInput) => {
      invocations[stateName] = (invocations[stateName] ?? 0) + 1;
      try {
        return await target.handler(structuredClone(taskInput), lambdaContext(target.name));
      } catch (error) {
        const { name, message } = error as Error;
        throw Object.assign(new Error(JSON.stringify({ errorType: name, errorMessage: message })), { name });
      }
    };
  }

  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const executionArn = `${TEST_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${options.executionName}`;
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: taskHandlers as never, retryIntervalOverrides },
    context: {
      Execution: { Id: executionArn, Name: options.executionName, StartTime: new Date().toISOString(), Input: input as never },
      StateMachine: { Id: TEST_STATE_MACHINE_ARN, Name: 'OnboardProvider' },
    },
  });

  const statesEntered: string[] = [];
  let failure: { error?: string; cause?: string } = {};
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') statesEntered.push(event.state.name);
      if (event.type === 'ExecutionFailed') failure = { error: event.Error, cause: String(event.Cause) };
    }
  })();
  try {
    const output = await execution.result;
    await collecting;
    return { status: 'SUCCEEDED', output, statesEntered, invocations };
  } catch {
    await collecting;
    return { status: 'FAILED', ...failure, statesEntered, invocations };
  }
}
