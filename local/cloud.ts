// The local cloud, wired: IAM/STS/Organizations, EventBridge, DynamoDB, Lambda, SQS and Step Functions
// behind one AWS endpoint, the synthesized stack deployed into them, and its REST API served.
import './polyfills.js';
import { resolve } from 'node:path';
import type { LocalApiGateway } from './apigateway/index.js';
import type { FaultInjector } from './core/faults.js';
import type { LocalServer } from './core/server.js';
import { deployAssembly, type DeployedStack } from './deploy/index.js';
import type { LocalDynamoDb } from './dynamodb/index.js';
import type { LocalEventBridge } from './events/index.js';
import type { LocalIam } from './iam/index.js';
import type { LocalLambda } from './lambda/index.js';
import { StateFile, type PersistedState } from './persistence.js';
import type { LocalSqs } from './sqs/index.js';
import type { LocalStepFunctions } from './stepfunctions/index.js';
import { adminCall, createApiGateway, createServices, startEndpoint, startRuntimes, type RunningServices, type Settings } from './wiring.js';

export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';

export interface LocalCloudOptions {
  /** Cloud assembly to deploy. Default `cdk.out` (relative to the working directory). */
  cdkOut?: string;
  /** Which stack of the assembly, when it has several. */
  stackName?: string;
  /** Persistence directory (e.g. `.local`); undefined keeps everything in memory. */
  stateDir?: string;
  host?: string;
  /** AWS endpoint port; default 4566, 0 picks a free one. */
  port?: number;
  /** REST API port; default 3000, 0 picks a free one. */
  apiPort?: number;
  /** IAM propagation delay range in ms; default [2000, 5000]. */
  propagationDelayMs?: [number, number];
  /** Fault rules (LOCAL_FAULTS syntax); default: the LOCAL_FAULTS environment variable. */
  faults?: string;
  /** Seed for fault injection, for reproducible runs. */
  faultSeed?: number;
  /**
   * Multiplier for the waits AWS services take before retrying: ASL Retry intervals and Lambda's
   * asynchronous retries (one, then two minutes). E.g. 0.01 in tests.
   */
  retryIntervalScale?: number;
  /** Multiplier for state machines' TimeoutSeconds (e.g. 0.005 in tests); default 1. */
  executionTimeoutScale?: number;
  quiet?: boolean;
  /** Where function output goes; default the terminal (prefixed with the function name) unless quiet. */
  functionLog?: (functionName: string, line: string) => void;
  /** Variables added to every function's environment (e.g. a shorter VERIFY_TIMEOUT_SECONDS in tests). */
  functionEnvironment?: Record<string, string>;
  /**
   * Creates what the stack expects to exist beside it (in AWS, made by hand or by another stack),
   * once it is deployed and before the REST API is served or restored executions resume.
   */
  afterDeploy?: (cloud: DeployedCloud, log: (line: string) => void) => Promise<void> | void;
  /** Log sink; default stderr unless quiet. */
  log?: (line: string) => void;
}

/** The cloud with its stack deployed, as the afterDeploy hook sees it. */
export interface DeployedCloud {
  endpoint: string;
  adminCredentials: { accessKeyId: string; secretAccessKey: string };
  accountId: string;
  region: string;
  stack: DeployedStack;
  iam: LocalIam;
  events: LocalEventBridge;
  lambda: LocalLambda;
  sfn: LocalStepFunctions;
  dynamodb: LocalDynamoDb;
  sqs: LocalSqs;
  faults: FaultInjector;
}

export interface LocalCloud extends DeployedCloud {
  apiUrl: string;
  api: LocalApiGateway;
  /** Writes `<stateDir>/state.json` now (no-op in memory). */
  saveState(): void;
  /**
   * Stops everything. With a stateDir, first waits up to `drainMs` (default 10 s) for running
   * executions to finish, so a restart does not rerun them from the start.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

/** How long close() waits for running executions of a persisted cloud to finish. */
const DRAIN_MS = 10_000;

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const settings = resolveSettings(options);
  const stateFile = settings.stateDir !== undefined ? new StateFile(settings.stateDir) : undefined;
  const persisted = stateFile?.read();
  const created = await createServices(settings);
  const server = await startEndpoint(created, settings);
  const services = startRuntimes(created, settings, server.url);
  restoreState(services, persisted);
  const api = createApiGateway(services, settings);
  let cloud: DeployedCloud;
  try {
    const stack = await deployStack(services, api, settings, persisted?.stack);
    cloud = { endpoint: server.url, adminCredentials: services.iam.adminCredentials(), accountId: settings.accountId, region: settings.region, stack, ...services };
    await options.afterDeploy?.(cloud, settings.log);
    services.sfn.resumeRestored();
    await api.start();
  } catch (error) {
    services.sqs.close();
    await Promise.allSettled([server.close(), services.dynamodb.close(), api.close(), Promise.resolve(services.lambda.close())]);
    throw error;
  }
  settings.log(`endpoint ${server.url}  api ${api.url}  stack ${cloud.stack.stackName}${settings.stateDir !== undefined ? `  state ${settings.stateDir}` : ''}`);
  return startPersistence({ ...cloud, apiUrl: api.url, api }, server, stateFile, settings);
}

function resolveSettings(options: LocalCloudOptions): Settings {
  return {
    options,
    accountId: LOCAL_ACCOUNT_ID,
    region: LOCAL_REGION,
    log: options.log ?? (options.quiet ? () => undefined : (line: string) => process.stderr.write(`[local] ${line}\n`)),
    stateDir: options.stateDir !== undefined ? resolve(options.stateDir) : undefined,
  };
}

function restoreState(services: RunningServices, persisted: PersistedState | undefined): void {
  if (persisted?.iam !== undefined) services.iam.restore(persisted.iam);
  if (persisted?.events !== undefined) services.events.restore(persisted.events);
  if (persisted?.sqs !== undefined) services.sqs.restore(persisted.sqs);
  // Running executions resume only once their functions are deployed again.
  if (persisted?.sfn !== undefined) services.sfn.restore(persisted.sfn, { resume: false });
}

function deployStack(services: RunningServices, api: LocalApiGateway, settings: Settings, previous: DeployedStack | undefined): Promise<DeployedStack> {
  const { options } = settings;
  const { lambda } = services;
  return deployAssembly(options.cdkOut ?? 'cdk.out', {
    ...(options.stackName !== undefined ? { stackName: options.stackName } : {}),
    accountId: settings.accountId,
    region: settings.region,
    log: settings.log,
    ...(previous !== undefined ? { previous } : {}),
    targets: {
      iam: services.iam,
      dynamodb: services.dynamodb,
      events: services.events,
      lambda: {
        createFunction: (input) => lambda.createFunction({ ...input, environment: { ...input.environment, ...options.functionEnvironment } }),
        putFunctionEventInvokeConfig: (name, config) => lambda.putFunctionEventInvokeConfig(name, config),
      },
      sfn: services.sfn,
      sqs: services.sqs,
      apigateway: api,
      call: adminCall(services, settings.region),
    },
  });
}

/** Waits (at most `ms`) for the stack's running executions to finish. */
async function drainExecutions(cloud: DeployedCloud, ms: number): Promise<void> {
  const running = Object.values(cloud.stack.resources)
    .filter((resource) => resource.type === 'AWS::StepFunctions::StateMachine' && resource.arn !== undefined)
    .flatMap((resource) => cloud.sfn.listExecutions(resource.arn!, 'RUNNING'))
    .map((execution) => cloud.sfn.waitForExecution(execution.executionArn));
  if (running.length === 0 || ms <= 0) return;
  let timeout: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled(running),
    new Promise<void>((resolve) => {
      timeout = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timeout);
}

/** Saves the state now and every second, and gives the cloud its saveState and close. */
function startPersistence(
  cloud: Omit<LocalCloud, 'saveState' | 'close'>,
  server: LocalServer,
  stateFile: StateFile | undefined,
  settings: Settings,
): LocalCloud {
  const snapshot = (): PersistedState => ({
    version: 1,
    iam: cloud.iam.snapshot(),
    events: cloud.events.snapshot(),
    sfn: cloud.sfn.snapshot(),
    sqs: cloud.sqs.snapshot(),
    stack: cloud.stack,
  });
  const saveState = (): void => stateFile?.save(snapshot());
  saveState();
  const autosave = stateFile?.autosave(snapshot, settings.log);
  let closed = false;
  return {
    ...cloud,
    saveState,
    async close(closeOptions: { drainMs?: number } = {}) {
      if (closed) return;
      closed = true;
      autosave?.stop();
      await cloud.api.close();
      // A persisted execution that is still running restarts from its first state after a
      // restart, so give running ones a bounded chance to finish (the AWS endpoint stays up for
      // their functions meanwhile). In memory there is nothing to keep: no wait.
      if (stateFile !== undefined) await drainExecutions(cloud, closeOptions.drainMs ?? DRAIN_MS);
      saveState();
      cloud.sqs.close();
      await server.close();
      await Promise.resolve(cloud.lambda.close());
      await cloud.dynamodb.close();
    },
  };
}
