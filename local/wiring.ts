// How the emulators reach each other: IAM authorizes everyone, EventBridge delivers to Lambda and
// Step Functions, Step Functions invokes Lambda and announces executions on the default bus, Lambda
// sends what its asynchronous invocations leave behind to SQS as the function's role, and one AWS
// endpoint serves them all.
import { join } from 'node:path';
import { LocalApiGateway } from './apigateway/index.js';
import type { LocalCloudOptions } from './cloud.js';
import { FaultInjector } from './core/faults.js';
import { startServer, type LocalServer, type ServiceFunction } from './core/server.js';
import type { CallerIdentity } from './core/types.js';
import type { AdminCall } from './deploy/index.js';
import { LocalDynamoDb } from './dynamodb/index.js';
import { LocalEventBridge, type DeadLetter, type EventEnvelope } from './events/index.js';
import { LocalIam } from './iam/index.js';
import { LocalLambda } from './lambda/index.js';
import { LocalSqs } from './sqs/index.js';
import { CustomResourceResponses, RESPONSE_PATH_PREFIX } from './cloudformation/index.js';
import { LocalStepFunctions } from './stepfunctions/index.js';
import type { RequestCounter } from './core/request-counter.js';

/** What every step of startLocalCloud reads. */
export interface Settings {
  options: LocalCloudOptions;
  accountId: string;
  region: string;
  log: (line: string) => void;
  stateDir: string | undefined;
}

/**
 * The emulators; Lambda and Step Functions join once the endpoint they call back listens, SQS
 * once the endpoint its queue URLs name does.
 */
export interface Services {
  iam: LocalIam;
  events: LocalEventBridge;
  dynamodb: LocalDynamoDb;
  faults: FaultInjector;
  lambda?: LocalLambda;
  sfn?: LocalStepFunctions;
  sqs?: LocalSqs;
  /** The ResponseURLs of custom resources, served by the endpoint. */
  customResources?: CustomResourceResponses;
}

export type RunningServices = Required<Services>;

function lambdaOf(services: Services): LocalLambda {
  if (services.lambda === undefined) throw new Error('Lambda is not started yet');
  return services.lambda;
}

function sfnOf(services: Services): LocalStepFunctions {
  if (services.sfn === undefined) throw new Error('Step Functions is not started yet');
  return services.sfn;
}

function sqsOf(services: Services): LocalSqs {
  if (services.sqs === undefined) throw new Error('SQS is not started yet');
  return services.sqs;
}

/** The identity a service principal gets when it assumes `roleArn` (an event rule's, a state machine's). */
function serviceSession(iam: LocalIam, roleArn: string, principal: string): CallerIdentity {
  const session = iam.sessionForService(roleArn, principal);
  const identity = iam.resolveAccessKey(session.accessKeyId);
  if (identity === undefined) throw new Error(`IAM returned a session for ${roleArn} it cannot resolve`);
  return identity;
}

/** The message attributes EventBridge puts on a dead-lettered event. */
function deadLetterAttributes(deadLetter: DeadLetter): Record<string, { DataType: string; StringValue: string }> {
  const text = (StringValue: string) => ({ DataType: 'String', StringValue });
  return {
    RULE_ARN: text(deadLetter.ruleArn),
    TARGET_ARN: text(deadLetter.targetArn),
    ERROR_CODE: text(deadLetter.errorCode),
    ERROR_MESSAGE: text(deadLetter.errorMessage || deadLetter.errorCode),
    EXHAUSTED_RETRY_CONDITION: text(deadLetter.condition),
    RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(deadLetter.retryAttempts) },
  };
}

/** IAM first (everything authorizes through it), then EventBridge and DynamoDB. */
export async function createServices(settings: Settings): Promise<Services> {
  const { options, accountId, region, log } = settings;
  const [minDelay, maxDelay] = options.propagationDelayMs ?? [2_000, 5_000];
  const faults =
    options.faults !== undefined
      ? new FaultInjector({ spec: options.faults, ...(options.faultSeed !== undefined ? { seed: options.faultSeed } : {}) })
      : FaultInjector.fromEnv(process.env, options.faultSeed);
  // IAM's events (Organizations CreateAccountResult) go to the default bus, built just below.
  let services: Services | undefined;
  const iam = new LocalIam({
    managementAccountId: accountId,
    region,
    propagationDelayMs: () => minDelay + Math.random() * Math.max(0, maxDelay - minDelay),
    emitEvent: (event) => {
      services?.events.publish(event as Parameters<LocalEventBridge['publish']>[0]).catch((error: unknown) => log(`event delivery failed: ${String(error)}`));
    },
  });
  const events = new LocalEventBridge({
    accountId,
    region,
    authorize: iam.authorize,
    schedules: settings.options.schedules ?? false,
    // EventBridge writes to a target's dead-letter queue as itself: the queue policy decides.
    sendDeadLetter: async (deadLetter) => {
      sqsOf(services!).sendMessageAsService(
        deadLetter.queueArn,
        { body: JSON.stringify(deadLetter.event), messageAttributes: deadLetterAttributes(deadLetter) },
        { principal: 'events.amazonaws.com', sourceArn: deadLetter.ruleArn, sourceAccount: accountId },
      );
    },
    deliver: async (target, event: EventEnvelope) => {
      const input = target.input ?? JSON.stringify(event);
      if (target.arn.includes(':lambda:')) {
        await lambdaOf(services!).invoke(target.arn, input, { invocationType: 'Event' });
      } else if (target.arn.includes(':states:')) {
        const caller = target.roleArn !== undefined ? serviceSession(iam, target.roleArn, 'events.amazonaws.com') : undefined;
        await sfnOf(services!).startExecution(target.arn, { input }, caller);
      } else {
        log(`event target ${target.arn} is not a local service; event ${event.id} not delivered`);
      }
    },
  });
  const dynamodb = await LocalDynamoDb.start({ accountId, region, authorize: iam.authorize, ...(settings.stateDir !== undefined ? { path: join(settings.stateDir, 'dynamodb') } : {}) });
  services = { iam, events, dynamodb, faults };
  return services;
}

/**
 * The one AWS endpoint every SDK client and every function talks to. `persist` runs after each
 * call and before its answer, so that what an acknowledged call changed survives a crash.
 */
export function startEndpoint(services: Services, settings: Settings, persist: () => void = () => undefined, requests?: RequestCounter): Promise<LocalServer> {
  const { iam, events, dynamodb } = services;
  const persisted =
    (handle: ServiceFunction): ServiceFunction =>
    async (req) => {
      try {
        return await handle(req);
      } finally {
        persist();
      }
    };
  return startServer({
    // Custom resources answer here; their URLs exist once the runtimes started (services.customResources).
    presignedPut: {
      prefix: RESPONSE_PATH_PREFIX,
      put: (path: string, body: string) => services.customResources?.receive(path, body) ?? { status: 403, message: 'Request has expired or the URL is unknown' },
    },
    ...(settings.options.host !== undefined ? { host: settings.options.host } : {}),
    port: settings.options.port ?? 4566,
    region: settings.region,
    faults: services.faults,
    credentials: (accessKeyId) => iam.resolveCredentials(accessKeyId),
    ...(requests !== undefined ? { requests } : {}),
    handlers: {
      iam: persisted((req) => iam.handleIam(req)),
      sts: persisted((req) => iam.handleSts(req)),
      organizations: persisted((req) => iam.handleOrganizations(req)),
      events: persisted((req) => events.handle(req)),
      dynamodb: (req) => dynamodb.handle(req),
      lambda: persisted((req) => lambdaOf(services).handle(req)),
      states: persisted((req) => sfnOf(services).handle(req)),
      sqs: persisted((req) => sqsOf(services).handle(req)),
    },
  });
}

/** Lambda's result payload, parsed when it is JSON. */
function parsePayload(payload: unknown): unknown {
  if (typeof payload !== 'string') return payload;
  try {
    return JSON.parse(payload) as unknown;
  } catch {
    return payload;
  }
}

/**
 * SQS (its queue URLs name `endpointUrl`), Lambda (its functions call back `endpointUrl`; its
 * asynchronous invocations deliver to SQS as the function's role, as Lambda does) and Step
 * Functions (whose tasks invoke the functions).
 */
export function startRuntimes(services: Services, settings: Settings, endpointUrl: string): RunningServices {
  const { options, accountId, region } = settings;
  const authorize = services.iam.authorize;
  const functionLog = options.functionLog ?? (options.quiet ? () => undefined : undefined);
  const sqs = new LocalSqs({ accountId, region, authorize, endpointUrl });
  services.sqs = sqs;
  services.customResources = new CustomResourceResponses(() => endpointUrl);
  services.lambda = new LocalLambda({
    accountId,
    region,
    authorize,
    endpointUrl,
    ...(functionLog ? { onLog: functionLog } : {}),
    ...(options.retryIntervalScale !== undefined ? { retryIntervalScale: options.retryIntervalScale } : {}),
    ...(options.backgroundNiceness !== undefined ? { backgroundNiceness: options.backgroundNiceness } : {}),
    ...(options.lambdaConcurrency !== undefined ? { maxWorkersPerFunction: options.lambdaConcurrency } : {}),
    ...(options.apiLambdaConcurrency !== undefined ? { maxApiWorkersPerFunction: options.apiLambdaConcurrency } : {}),
    sendToQueue: async (queueArn, message, roleArn) => {
      sqs.sendMessage(queueArn, message, serviceSession(services.iam, roleArn, 'lambda.amazonaws.com'));
    },
  });
  services.sfn = new LocalStepFunctions({
    accountId,
    region,
    authorize,
    ...(options.retryIntervalScale !== undefined ? { retryIntervalScale: options.retryIntervalScale } : {}),
    ...(options.executionTimeoutScale !== undefined ? { executionTimeoutScale: options.executionTimeoutScale } : {}),
    // Step Functions announces every execution's start and end on the default bus, as in AWS.
    onExecutionStatusChange: (event) => {
      services.events.publish(event).catch((error: unknown) => settings.log(`execution status event not delivered: ${String(error)}`));
    },
    roleSession: (roleArn) => serviceSession(services.iam, roleArn, 'states.amazonaws.com'),
    invokeLambda: async (functionArn, input, caller) => {
      // The state machine's role must allow the call, as in AWS.
      authorize(caller, 'lambda:InvokeFunction', functionArn);
      // Lambda's injected faults (lambda:Invoke) reach the Task state as Step Functions reports them.
      const fault = await services.faults.apply('lambda', 'Invoke');
      if (fault !== undefined) throw fault;
      const result = await lambdaOf(services).invoke(functionArn, JSON.stringify(input ?? {}));
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
  return services as RunningServices;
}

export function createApiGateway(services: RunningServices, settings: Settings): LocalApiGateway {
  const { iam, lambda } = services;
  return new LocalApiGateway({
    accountId: settings.accountId,
    region: settings.region,
    ...(settings.options.host !== undefined ? { host: settings.options.host } : {}),
    port: settings.options.apiPort ?? 3000,
    authorize: iam.authorize,
    credentials: (accessKeyId) => iam.resolveCredentials(accessKeyId),
    log: settings.log,
    invoke: async (functionArn, event) => {
      const result = await lambda.invoke(functionArn, JSON.stringify(event), { interactive: true });
      return { payload: parsePayload(result.payload), ...(result.functionError !== undefined ? { functionError: result.functionError } : {}) };
    },
  });
}

/** The deployer's route to operations outside the facades, called as the local administrator. */
export function adminCall(services: RunningServices, region: string): AdminCall {
  const { iam } = services;
  const admin = iam.resolveAccessKey(iam.adminCredentials().accessKeyId);
  return async (service, action, params) => {
    const request = { service, action, params, region, rawBody: '', path: '/', headers: {}, ...(admin !== undefined ? { caller: admin } : {}) };
    const handler = { iam: iam.handleIam, sts: iam.handleSts, organizations: iam.handleOrganizations }[service as 'iam'];
    if (handler !== undefined) return handler.call(iam, { ...request, params: { Action: action, ...params } });
    if (service === 'states') return services.sfn.handle(request);
    if (service === 'events') return services.events.handle(request);
    throw new Error(`no admin route to ${service}`);
  };
}
