// Runs the real onboarding (or offboarding) ASL in aws-local-stepfunctions with the real handlers as its tasks,
// the way Step Functions invokes Lambda: the handler's error name becomes the state error, and
// each function runs with its own environment (variables and role credentials), as Lambda gives it.
import type { Context } from 'aws-lambda';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { fakeFunctionArn, loadDefinition } from './asl-files.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export const TEST_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:OnboardProvider';
export const TEST_OFFBOARDING_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:OffboardProvider';
export const TEST_VERIFICATION_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:VerifyProvider';
export const TEST_SWEEP_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:SweepFleet';
export const TEST_ROLLOUT_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:RolloutPolicy';

/** The ASL file each test state machine runs. */
const DEFINITION_FILES: Record<string, string> = {
  [TEST_STATE_MACHINE_ARN]: 'onboard-provider.asl.json',
  [TEST_OFFBOARDING_STATE_MACHINE_ARN]: 'offboard-provider.asl.json',
  [TEST_VERIFICATION_STATE_MACHINE_ARN]: 'verify-provider.asl.json',
  [TEST_SWEEP_STATE_MACHINE_ARN]: 'sweep-fleet.asl.json',
  [TEST_ROLLOUT_STATE_MACHINE_ARN]: 'rollout-policy.asl.json',
};

export type WorkflowFunctionName =
  | 'create-role'
  | 'attach-policies'
  | 'grant-management'
  | 'verify-role'
  | 'record-result'
  | 'compensate'
  | 'check-provider'
  | 'record-verification'
  | 'revoke-grant'
  | 'remove-provider-resources'
  | 'record-offboarding'
  | 'list-fleet'
  | 'repair-provider'
  | 'record-sweep'
  | 'reconcile-organization'
  | 'open-rollout'
  | 'rollout-progress'
  | 'upgrade-provider-policy'
  | 'close-rollout';

/** Placeholder → the function behind it, as the CDK stack wires them. */
const FUNCTIONS: Record<string, { name: WorkflowFunctionName; module: string }> = {
  CreateRoleFunctionArn: { name: 'create-role', module: '../../functions/create-role/handler.js' },
  AttachPoliciesFunctionArn: { name: 'attach-policies', module: '../../functions/attach-policies/handler.js' },
  GrantManagementFunctionArn: { name: 'grant-management', module: '../../functions/grant-management/handler.js' },
  VerifyRoleFunctionArn: { name: 'verify-role', module: '../../functions/verify-role/handler.js' },
  RecordResultFunctionArn: { name: 'record-result', module: '../../functions/record-result/handler.js' },
  CompensateFunctionArn: { name: 'compensate', module: '../../functions/compensate/handler.js' },
  CheckProviderFunctionArn: { name: 'check-provider', module: '../../functions/check-provider/handler.js' },
  RecordVerificationFunctionArn: { name: 'record-verification', module: '../../functions/record-verification/handler.js' },
  RevokeGrantFunctionArn: { name: 'revoke-grant', module: '../../functions/revoke-grant/handler.js' },
  RemoveProviderResourcesFunctionArn: { name: 'remove-provider-resources', module: '../../functions/remove-provider-resources/handler.js' },
  RecordOffboardingFunctionArn: { name: 'record-offboarding', module: '../../functions/record-offboarding/handler.js' },
  ListFleetFunctionArn: { name: 'list-fleet', module: '../../functions/list-fleet/handler.js' },
  RepairProviderFunctionArn: { name: 'repair-provider', module: '../../functions/repair-provider/handler.js' },
  RecordSweepFunctionArn: { name: 'record-sweep', module: '../../functions/record-sweep/handler.js' },
  ReconcileOrganizationFunctionArn: { name: 'reconcile-organization', module: '../../functions/reconcile-organization/handler.js' },
  OpenRolloutFunctionArn: { name: 'open-rollout', module: '../../functions/open-rollout/handler.js' },
  RolloutProgressFunctionArn: { name: 'rollout-progress', module: '../../functions/rollout-progress/handler.js' },
  // The real handler's adapter with the policy the test deploys (deployed-policy-upgrade.ts).
  UpgradeProviderPolicyFunctionArn: { name: 'upgrade-provider-policy', module: './deployed-policy-upgrade.js' },
  CloseRolloutFunctionArn: { name: 'close-rollout', module: '../../functions/close-rollout/handler.js' },
};

export interface WorkflowRunOptions {
  executionName: string;
  /** Which state machine runs (default the onboarding one). */
  stateMachineArn?: string;
  /** Each function's environment: its variables and its role's credentials. */
  environments: Record<WorkflowFunctionName, Record<string, string>>;
  /** Wait between retries of every state but verification (default 0). */
  retryDelayMs?: number;
  /** Wait between verification retries (default 0). */
  verifyRetryDelayMs?: number;
  /** Shorter Task timeouts than the definition's, by state name (the deployed ones are a minute). */
  taskTimeoutSeconds?: Record<string, number>;
  /** The time each function's invocation is given (its context's remaining time), by function. */
  functionTimeoutMs?: Partial<Record<WorkflowFunctionName, number>>;
  /** Runs before each task invocation (1-based per state): what happens in AWS between two steps. */
  beforeTask?: (stateName: string, invocation: number) => void | Promise<void>;
  /**
   * MaxConcurrency of every Map state. The in-process handlers share one process.env (each
   * invocation puts its function's credentials in place), so Map iterations run one at a time here.
   */
  mapConcurrency?: number;
}

type States = StateMachineDefinition['States'];

/** Every state by name, those inside Map states' processors included (Task handlers are looked up by name). */
function allStates(states: States): Array<[string, States[string]]> {
  return Object.entries(states).flatMap(([name, state]) => {
    const processor = (state as { ItemProcessor?: { States: States } }).ItemProcessor;
    return processor === undefined ? [[name, state] as [string, States[string]]] : [[name, state] as [string, States[string]], ...allStates(processor.States)];
  });
}

export interface WorkflowRun {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
  /** States entered, in order (what Step Functions bills as transitions). */
  statesEntered: string[];
  /** Lambda invocations per state, retries included. */
  invocations: Record<string, number>;
  /** What each state's successful invocations returned, in order. */
  results: Record<string, unknown[]>;
}

/** Variables of the function that ran last, removed before the next one runs. */
let appliedVariables: string[] = [];

/**
 * The handlers share this process, so a function's environment is put in place before its module
 * loads (module scope reads it once, as a cold start does) and before each invocation.
 */
export function applyEnvironment(environment: Record<string, string>): void {
  for (const name of appliedVariables) delete process.env[name];
  Object.assign(process.env, environment);
  appliedVariables = Object.keys(environment);
}

/** Invocations whose state gave up on them (Task timeout) but which still run, as a Lambda would. */
const abandoned = new Set<Promise<unknown>>();

/** Waits (bounded) until every invocation a timed-out Task left running has returned. */
export async function settleAbandonedInvocations(timeoutMs = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...abandoned]),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  clearTimeout(timer);
}

/**
 * Invocation time by function. Verification polls for its remaining time less a reserve: its
 * deployed minute is shortened to 1 s, so each invocation polls about twice and then hands back.
 */
const FUNCTION_TIMEOUT_MS: Partial<Record<WorkflowFunctionName, number>> = { 'verify-role': 1_000 };
const DEFAULT_FUNCTION_TIMEOUT_MS = 30_000;

function lambdaContext(functionName: string, timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
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

async function loadHandler(module: string, environment: Record<string, string>): Promise<Handler> {
  applyEnvironment(environment);
  return ((await import(module)) as { handler: Handler }).handler;
}

export async function runOnboardingWorkflow(input: unknown, options: WorkflowRunOptions): Promise<WorkflowRun> {
  const functions = new Map<string, { name: WorkflowFunctionName; handler: Handler }>();
  for (const [placeholder, { name, module }] of Object.entries(FUNCTIONS)) {
    functions.set(fakeFunctionArn(placeholder), { name, handler: await loadHandler(module, options.environments[name]) });
  }
  const stateMachineArn = options.stateMachineArn ?? TEST_STATE_MACHINE_ARN;
  const definitionFile = DEFINITION_FILES[stateMachineArn];
  if (definitionFile === undefined) throw new Error(`No ASL file for ${stateMachineArn}`);
  const definition = loadDefinition(definitionFile, fakeFunctionArn) as unknown as StateMachineDefinition;
  const invocations: Record<string, number> = {};
  const results: Record<string, unknown[]> = {};
  const taskHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [stateName, state] of allStates(definition.States)) {
    if (state.Type === 'Map') (state as { MaxConcurrency?: number }).MaxConcurrency = options.mapConcurrency ?? 1;
    if (state.Type !== 'Task') continue;
    const target = functions.get(state.Resource);
    if (!target) throw new Error(`State ${stateName} has no handler for ${state.Resource}`);
    const timeout = options.taskTimeoutSeconds?.[stateName];
    if (timeout !== undefined) state.TimeoutSeconds = timeout;
    retryIntervalOverrides[stateName] =
      stateName === 'Verify Role Is Assumable' ? (options.verifyRetryDelayMs ?? 0) : (options.retryDelayMs ?? 0);
    taskHandlers[stateName] = async (taskInput) => {
      const invocation = (invocations[stateName] ?? 0) + 1;
      invocations[stateName] = invocation;
      await options.beforeTask?.(stateName, invocation);
      applyEnvironment(options.environments[target.name]);
      const timeoutMs = options.functionTimeoutMs?.[target.name] ?? FUNCTION_TIMEOUT_MS[target.name] ?? DEFAULT_FUNCTION_TIMEOUT_MS;
      const running = target.handler(structuredClone(taskInput), lambdaContext(target.name, timeoutMs));
      abandoned.add(running);
      try {
        const result = await running;
        (results[stateName] ??= []).push(result);
        return result;
      } catch (error) {
        const { name, message } = error as Error;
        throw Object.assign(new Error(JSON.stringify({ errorType: name, errorMessage: message })), { name });
      } finally {
        abandoned.delete(running);
      }
    };
  }

  // Not validated here: validation costs about a second per test file, and
  // test/workflow/asl-validation.test.ts validates the same definition (ARNs and paths included).
  const machine = new StateMachine(definition, { validationOptions: { noValidate: true } });
  const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${options.executionName}`;
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: taskHandlers as never, retryIntervalOverrides },
    context: {
      Execution: { Id: executionArn, Name: options.executionName, StartTime: new Date().toISOString(), Input: input as never },
      StateMachine: { Id: stateMachineArn, Name: stateMachineArn.split(':').at(-1) as string },
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
    return { status: 'SUCCEEDED', output, statesEntered, invocations, results };
  } catch {
    await collecting;
    return { status: 'FAILED', ...failure, statesEntered, invocations, results };
  }
}
