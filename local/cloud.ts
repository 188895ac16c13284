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
import type { LandingZoneOptions } from './organizations/control-tower.js';
import { Persistence, StackRecord, StateDirectory } from './persistence.js';
import type { LocalSqs } from './sqs/index.js';
import type { LocalStepFunctions } from './stepfunctions/index.js';
import { adminCall, createApiGateway, createServices, startEndpoint, startRuntimes, type RunningServices, type Settings } from './wiring.js';
import { RequestCounter } from './core/request-counter.js';
import { TerminalLines } from './core/terminal-lines.js';

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
  /**
   * Nice value (0-19) of the Lambda workers of functions the REST API does not invoke, so API
   * requests keep answering promptly while background work fills the cores. Default 0 (`npm
   * start`: LOCAL_BACKGROUND_NICE, default 10).
   */
  backgroundNiceness?: number;
  /**
   * Invocations of one function that run at once (one warm worker thread each; more queue). AWS
   * allows an account 1,000 by default; each worker costs memory here. Default 4 (`npm start`:
   * LOCAL_LAMBDA_CONCURRENCY).
   */
  lambdaConcurrency?: number;
  /**
   * The same for a function the REST API invokes (at least lambdaConcurrency): its callers wait on
   * each invocation. Default 8 (`npm start`: LOCAL_API_LAMBDA_CONCURRENCY).
   */
  apiLambdaConcurrency?: number;
  /** Multiplier for state machines' TimeoutSeconds (e.g. 0.005 in tests); default 1. */
  executionTimeoutScale?: number;
  /** Whether scheduled rules (ScheduleExpression) fire by the clock; default false (`npm start`: LOCAL_SCHEDULES, default on). */
  schedules?: boolean;
  quiet?: boolean;
  /** Where function output goes; default the terminal (prefixed with the function name) unless quiet. */
  functionLog?: (functionName: string, line: string) => void;
  /** Variables added to every function's environment (e.g. a shorter VERIFY_TIMEOUT_SECONDS in tests). */
  functionEnvironment?: Record<string, string>;
  /**
   * Control Tower mode (`npm start`: LOCAL_CONTROL_TOWER=1): a landing zone's OUs under the root,
   * and Organizations' CreateAccount working as Account Factory (AWSControlTowerExecution, an OU,
   * the CreateManagedAccount event). See local/organizations/control-tower.ts.
   */
  controlTower?: LandingZoneOptions;
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
  /** Requests the AWS endpoint dispatched, per service (e.g. STS calls per second in a benchmark). */
  requests: RequestCounter;
  /**
   * Stops everything and releases every port, timer and worker. With a stateDir, first waits up
   * to `drainMs` (default 10 s) for running executions to finish; those still running then stay
   * RUNNING in the state directory and start again from the start at the next start.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

/** How long close() waits for running executions of a persisted cloud to finish. */
const DRAIN_MS = 10_000;

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const settings = resolveSettings(options);
  const directory = settings.stateDir !== undefined ? new StateDirectory(settings.stateDir) : undefined;
  const saved = directory?.read();
  const created = await createServices(settings);
  let persistence: Persistence | undefined;
  // What a request changed is on disk before it is answered.
  const requests = new RequestCounter();
  const server = await startEndpoint(created, settings, () => persistence?.write(), requests);
  const services = startRuntimes(created, settings, server.url);
  const stackRecord = new StackRecord();
  if (directory !== undefined) {
    persistence = new Persistence(
      directory,
      { iam: services.iam, events: services.events, sfn: services.sfn, sqs: services.sqs, lambda: services.lambda, cloud: stackRecord },
      settings.log,
    );
    // Running executions and queued asynchronous invocations are held until their functions are deployed again.
    persistence.start(saved);
  }
  // After the restore: a restarted cloud keeps its landing zone's OUs (and their ids).
  if (options.controlTower !== undefined) services.iam.enableControlTower(options.controlTower);
  const api = createApiGateway(services, settings);
  let cloud: DeployedCloud;
  try {
    const stack = await deployStack(services, api, settings, stackRecord.stack);
    stackRecord.set(stack);
    cloud = { endpoint: server.url, adminCredentials: services.iam.adminCredentials(), accountId: settings.accountId, region: settings.region, stack, ...services };
    await options.afterDeploy?.(cloud, settings.log);
    services.sfn.resumeRestored();
    services.lambda.resumeRestored();
    await api.start();
    // Ready means deployed on disk too.
    persistence?.write();
  } catch (error) {
    services.sqs.close();
    await Promise.allSettled([server.close(), services.dynamodb.close(), api.close(), Promise.resolve(services.lambda.close())]);
    persistence?.close();
    settings.flushLog();
    throw error;
  }
  settings.log(`endpoint ${server.url}  api ${api.url}  stack ${cloud.stack.stackName}${settings.stateDir !== undefined ? `  state ${settings.stateDir}` : ''}`);
  return withClose({ ...cloud, apiUrl: api.url, api, requests }, server, persistence, settings.flushLog);
}

function resolveSettings(options: LocalCloudOptions): Settings & { flushLog: () => void } {
  // The default log (a line per request served) reaches stderr once per turn of the event loop.
  const terminal = options.log === undefined && options.quiet !== true ? new TerminalLines(process.stderr) : undefined;
  return {
    options,
    accountId: LOCAL_ACCOUNT_ID,
    region: LOCAL_REGION,
    log: options.log ?? (terminal !== undefined ? (line: string) => terminal.write(`[local] ${line}`) : () => undefined),
    flushLog: () => terminal?.flush(),
    stateDir: options.stateDir !== undefined ? resolve(options.stateDir) : undefined,
  };
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
      // CloudFormation invokes a custom resource's function itself; its answer comes back through the endpoint.
      customResources: {
        responses: services.customResources,
        invoke: async (functionArn, event) => {
          const result = await lambda.invoke(functionArn, JSON.stringify(event));
          return { payload: result.payload, ...(result.functionError !== undefined ? { functionError: result.functionError } : {}) };
        },
      },
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

/** The cloud's close: drain (when persisted), suspend what still runs, then release everything. */
function withClose(cloud: Omit<LocalCloud, 'close'>, server: LocalServer, persistence: Persistence | undefined, flushLog: () => void): LocalCloud {
  let closed = false;
  return {
    ...cloud,
    async close(closeOptions: { drainMs?: number } = {}) {
      if (closed) return;
      closed = true;
      await cloud.api.close();
      cloud.events.stopSchedules();
      // A persisted execution that is still running restarts from its first state after a
      // restart, so give running ones a bounded chance to finish (the AWS endpoint stays up for
      // their functions meanwhile). In memory there is nothing to keep: no wait.
      if (persistence !== undefined) await drainExecutions(cloud, closeOptions.drainMs ?? DRAIN_MS);
      // What still runs stops where it is (RUNNING, resumed by the next start), so that no retry
      // timer or Lambda invocation keeps the process alive.
      await cloud.sfn.suspend();
      cloud.sqs.close();
      await server.close();
      try {
        persistence?.close();
      } finally {
        // A failed last save (e.g. the state directory removed under the process) is reported by
        // the caller; the workers and the database are released anyway, or the process would hang.
        await Promise.resolve(cloud.lambda.close());
        await cloud.dynamodb.close();
        flushLog();
      }
    },
  };
}
