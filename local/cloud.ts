// The local cloud, wired: IAM/STS/Organizations, EventBridge, DynamoDB, Lambda and Step Functions
// behind one AWS endpoint, the synthesized stack deployed into them, and its REST API served.
import './polyfills.js';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalApiGateway } from './apigateway/index.js';
import { FaultInjector } from './core/faults.js';
import type { CallerIdentity } from './core/types.js';
import { deployAssembly, type DeployedStack } from './deploy/index.js';
import { LocalDynamoDb } from './dynamodb/index.js';
import { LocalEventBridge, type EventEnvelope } from './events/index.js';
import { LocalIam } from './iam/index.js';
import { ensureManagementRoles } from './prerequisites.js';
import { LocalLambda } from './lambda/index.js';
import { startServer, type LocalServer, type ResolvedCredentials } from './core/server.js';
import { LocalStepFunctions } from './stepfunctions/index.js';

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
  /** Multiplier for ASL Retry intervals (e.g. 0.01 in tests). */
  retryIntervalScale?: number;
  quiet?: boolean;
  /** Where function output goes; default the terminal (prefixed with the function name) unless quiet. */
  functionLog?: (functionName: string, line: string) => void;
  /** Variables added to every function's environment (e.g. a shorter VERIFY_TIMEOUT_SECONDS in tests). */
  functionEnvironment?: Record<string, string>;
  /** Log sink; default stderr unless quiet. */
  log?: (line: string) => void;
}

export interface LocalCloud {
  endpoint: string;
  apiUrl: string;
  adminCredentials: { accessKeyId: string; secretAccessKey: string };
  accountId: string;
  region: string;
  stack: DeployedStack;
  iam: LocalIam;
  events: LocalEventBridge;
  lambda: LocalLambda;
  sfn: LocalStepFunctions;
  dynamodb: LocalDynamoDb;
  api: LocalApiGateway;
  faults: FaultInjector;
  /** Writes `<stateDir>/state.json` now (no-op in memory). */
  saveState(): void;
  /**
   * Stops everything. With a stateDir, first waits up to `drainMs` (default 10 s) for running
   * executions to finish, so a restart does not rerun them from the start.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

interface PersistedState {
  version: 1;
  iam?: unknown;
  events?: unknown;
  sfn?: unknown;
  stack?: DeployedStack;
}

const SAVE_INTERVAL_MS = 1_000;
/** How long close() waits for running executions of a persisted cloud to finish. */
const DRAIN_MS = 10_000;

function readState(file: string): PersistedState | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as PersistedState;
  if (parsed.version !== 1) throw new Error(`${file} has an unknown state version; delete it to start fresh`);
  return parsed;
}

/** Lambda's invoke result payload, parsed when it is JSON. */
function parsePayload(payload: unknown): unknown {
  if (typeof payload !== 'string') return payload;
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return payload;
  }
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const accountId = LOCAL_ACCOUNT_ID;
  const region = LOCAL_REGION;
  const log = options.log ?? (options.quiet ? () => undefined : (line: string) => process.stderr.write(`[local] ${line}\n`));
  const stateDir = options.stateDir !== undefined ? resolve(options.stateDir) : undefined;
  const stateFile = stateDir !== undefined ? join(stateDir, 'state.json') : undefined;
  if (stateDir !== undefined) mkdirSync(stateDir, { recursive: true });
  const persisted = stateFile !== undefined ? readState(stateFile) : undefined;

  const [minDelay, maxDelay] = options.propagationDelayMs ?? [2_000, 5_000];
  const faults =
    options.faults !== undefined
      ? new FaultInjector({ spec: options.faults, ...(options.faultSeed !== undefined ? { seed: options.faultSeed } : {}) })
      : FaultInjector.fromEnv(process.env, options.faultSeed);

  // IAM comes first: everything else authorizes through it. Its events (Organizations
  // CreateAccountResult) go to the default bus, which exists once `events` is built below.
  let events: LocalEventBridge | undefined;
  const iam = new LocalIam({
    managementAccountId: accountId,
    region,
    propagationDelayMs: () => minDelay + Math.random() * Math.max(0, maxDelay - minDelay),
    emitEvent: (event) => {
      events?.publish(event as Parameters<LocalEventBridge['publish']>[0]).catch((error: unknown) => log(`event delivery failed: ${String(error)}`));
    },
  });
  const authorize = iam.authorize;
  const sessionIdentity = (roleArn: string, principal: string): CallerIdentity => {
    const session = iam.sessionForService(roleArn, principal);
    const identity = iam.resolveAccessKey(session.accessKeyId);
    if (identity === undefined) throw new Error(`IAM returned a session for ${roleArn} it cannot resolve`);
    return identity;
  };

  let lambda: LocalLambda | undefined;
  let sfn: LocalStepFunctions | undefined;
  const requireLambda = (): LocalLambda => {
    if (lambda === undefined) throw new Error('Lambda is not started yet');
    return lambda;
  };
  const requireSfn = (): LocalStepFunctions => {
    if (sfn === undefined) throw new Error('Step Functions is not started yet');
    return sfn;
  };

  events = new LocalEventBridge({
    accountId,
    region,
    authorize,
    deliver: async (target, event: EventEnvelope) => {
      const input = target.input ?? JSON.stringify(event);
      if (target.arn.includes(':lambda:')) {
        await requireLambda().invoke(target.arn, input, { invocationType: 'Event' });
      } else if (target.arn.includes(':states:')) {
        const caller = target.roleArn !== undefined ? sessionIdentity(target.roleArn, 'events.amazonaws.com') : undefined;
        await requireSfn().startExecution(target.arn, { input }, caller);
      } else {
        log(`event target ${target.arn} is not a local service; event ${event.id} not delivered`);
      }
    },
  });

  const dynamodb = await LocalDynamoDb.start({ accountId, region, authorize, ...(stateDir !== undefined ? { path: join(stateDir, 'dynamodb') } : {}) });

  const credentials = (accessKeyId: string): ResolvedCredentials | undefined => iam.resolveCredentials(accessKeyId);

  const server: LocalServer = await startServer({
    ...(options.host !== undefined ? { host: options.host } : {}),
    port: options.port ?? 4566,
    region,
    faults,
    credentials,
    handlers: {
      iam: (req) => iam.handleIam(req),
      sts: (req) => iam.handleSts(req),
      organizations: (req) => iam.handleOrganizations(req),
      events: (req) => events!.handle(req),
      dynamodb: (req) => dynamodb.handle(req),
      lambda: (req) => requireLambda().handle(req),
      states: (req) => requireSfn().handle(req),
    },
  });

  const functionLog = options.functionLog ?? (options.quiet ? () => undefined : undefined);
  lambda = new LocalLambda({ accountId, region, authorize, endpointUrl: server.url, ...(functionLog ? { onLog: functionLog } : {}) });
  sfn = new LocalStepFunctions({
    accountId,
    region,
    authorize,
    ...(options.retryIntervalScale !== undefined ? { retryIntervalScale: options.retryIntervalScale } : {}),
    roleSession: (roleArn) => sessionIdentity(roleArn, 'states.amazonaws.com'),
    invokeLambda: async (functionArn, input, caller) => {
      // The state machine's role must allow the call, as in AWS.
      authorize(caller, 'lambda:InvokeFunction', functionArn);
      const result = await requireLambda().invoke(functionArn, JSON.stringify(input ?? {}));
      const payload = parsePayload(result.payload);
      if (result.functionError !== undefined) {
        const errorType = (payload as { errorType?: unknown } | null)?.errorType;
        const error = new Error(typeof payload === 'string' ? payload : JSON.stringify(payload));
        error.name = typeof errorType === 'string' ? errorType : 'Lambda.Unknown';
        throw error;
      }
      return payload;
    },
  });

  const admin = iam.adminCredentials();
  const adminIdentity = iam.resolveAccessKey(admin.accessKeyId);
  if (persisted !== undefined) {
    if (persisted.iam !== undefined) iam.restore(persisted.iam);
    if (persisted.events !== undefined) events.restore(persisted.events);
    // Running executions resume only once their functions are deployed again (below).
    if (persisted.sfn !== undefined) sfn.restore(persisted.sfn, { resume: false });
  }

  const api = new LocalApiGateway({
    accountId,
    region,
    ...(options.host !== undefined ? { host: options.host } : {}),
    port: options.apiPort ?? 3000,
    authorize,
    credentials,
    log,
    invoke: async (functionArn, event) => {
      const result = await requireLambda().invoke(functionArn, JSON.stringify(event));
      return { payload: parsePayload(result.payload), ...(result.functionError !== undefined ? { functionError: result.functionError } : {}) };
    },
  });

  const managementRoleArns = new Set<string>();
  let stack: DeployedStack;
  try {
    stack = await deployAssembly(options.cdkOut ?? 'cdk.out', {
      ...(options.stackName !== undefined ? { stackName: options.stackName } : {}),
      accountId,
      region,
      log,
      ...(persisted?.stack !== undefined ? { previous: persisted.stack } : {}),
      targets: {
        iam,
        dynamodb: { createTable: (name, props) => dynamodb.createTable(name, props) },
        events,
        lambda: {
          createFunction: (input) => {
            const environment = { ...input.environment, ...options.functionEnvironment };
            managementRoleArns.add(environment.MANAGEMENT_ROLE_ARN ?? '');
            return lambda!.createFunction({ ...input, environment });
          },
        },
        sfn,
        apigateway: api,
        call: async (service, action, params) => {
          const handler = { iam: iam.handleIam, sts: iam.handleSts, organizations: iam.handleOrganizations }[service as 'iam'];
          const request = { service, action, params, region, rawBody: '', path: '/', headers: {}, ...(adminIdentity !== undefined ? { caller: adminIdentity } : {}) };
          if (handler !== undefined) return handler.call(iam, { ...request, params: { Action: action, ...params } });
          if (service === 'states') return requireSfn().handle(request);
          if (service === 'events') return events!.handle(request);
          throw new Error(`no admin route to ${service}`);
        },
      },
    });
    ensureManagementRoles(iam, [...managementRoleArns].filter(Boolean), log);
    sfn.resumeRestored();
    await api.start();
  } catch (error) {
    await Promise.allSettled([server.close(), dynamodb.close(), api.close(), Promise.resolve(lambda.close())]);
    throw error;
  }

  let lastSaved = '';
  const saveState = (): void => {
    if (stateFile === undefined) return;
    const state: PersistedState = { version: 1, iam: iam.snapshot(), events: events!.snapshot(), sfn: sfn!.snapshot(), stack };
    const text = JSON.stringify(state);
    if (text === lastSaved) return;
    // Write-then-rename: a crash mid-write never leaves a truncated state file behind.
    writeFileSync(`${stateFile}.tmp`, text);
    renameSync(`${stateFile}.tmp`, stateFile);
    lastSaved = text;
  };
  saveState();
  const timer = stateFile !== undefined ? setInterval(() => {
    try {
      saveState();
    } catch (error) {
      log(`saving state failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }, SAVE_INTERVAL_MS) : undefined;
  timer?.unref();

  log(`endpoint ${server.url}  api ${api.url}  stack ${stack.stackName}${stateDir !== undefined ? `  state ${stateDir}` : ''}`);

  const drainExecutions = async (ms: number): Promise<void> => {
    const running = Object.values(stack.resources)
      .filter((resource) => resource.type === 'AWS::StepFunctions::StateMachine' && resource.arn !== undefined)
      .flatMap((resource) => sfn!.listExecutions(resource.arn!, 'RUNNING'))
      .map((execution) => sfn!.waitForExecution(execution.executionArn));
    if (running.length === 0 || ms <= 0) return;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(running),
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, ms);
      }),
    ]);
    clearTimeout(timeout);
  };

  let closed = false;
  return {
    endpoint: server.url,
    apiUrl: api.url,
    adminCredentials: admin,
    accountId,
    region,
    stack,
    iam,
    events,
    lambda,
    sfn,
    dynamodb,
    api,
    faults,
    saveState,
    async close(closeOptions: { drainMs?: number } = {}) {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      await api.close();
      // A persisted execution that is still running restarts from its first state after a
      // restart, so give running ones a bounded chance to finish (the AWS endpoint stays up for
      // their functions meanwhile). In memory there is nothing to keep: no wait.
      if (stateFile !== undefined) await drainExecutions(closeOptions.drainMs ?? DRAIN_MS);
      saveState();
      await server.close();
      await Promise.resolve(lambda!.close());
      await dynamodb.close();
    },
  };
}
