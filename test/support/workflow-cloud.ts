// The onboarding workflow's AWS, in-process: the local cloud's IAM/STS/Organizations, EventBridge
// and DynamoDB behind its real endpoint (SigV4, wire protocols, evaluated policies), so workflow
// tests exercise the semantics the local cloud enforces, with no second IAM simulator.
// The workflow functions run as the stack deploys them: one management-account role per function
// carrying the statements lib/constructs/onboarding-workflow.ts grants it, and target accounts
// created through Organizations, reached through their bootstrap role.
// This is the only test module that imports from local/.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IAMClient } from '@aws-sdk/client-iam';
import { CloseAccountCommand, CreateAccountCommand, OrganizationsClient, RemoveAccountFromOrganizationCommand } from '@aws-sdk/client-organizations';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { serverError, throttlingError } from '../../local/core/faults.js';
import { LocalDynamoDb } from '../../local/dynamodb/index.js';
import { LocalEventBridge, type EventEnvelope } from '../../local/events/index.js';
import { LocalIam, type PolicyView, type RoleView } from '../../local/iam/index.js';
import { errorResponse, startServer, type LocalServer, type ServiceFunction } from '../../local/core/server.js';
import type { ProviderRecord } from '../../functions/shared/domain/provider.js';
import type { ProviderRequest } from '../../functions/shared/domain/provider-request.js';
import { ProviderRegistry } from '../../functions/shared/adapters/registry.js';
import { startOffboarding, type OffboardOutcome } from '../../functions/shared/adapters/start-offboarding.js';
import { startOnboarding } from '../../functions/shared/adapters/start-onboarding.js';
import { startVerification } from '../../functions/shared/adapters/start-verification.js';
import { RolloutRegistry } from '../../functions/shared/adapters/rollout-registry.js';
import { startRollout, type StartRolloutOutcome } from '../../functions/shared/adapters/start-rollout.js';
import { iamClientForTargetAccount } from '../../functions/shared/adapters/target-account.js';
import { REGISTRY_TABLE } from './dynamodb.js';
import {
  applyEnvironment,
  runOnboardingWorkflow,
  settleAbandonedInvocations,
  TEST_OFFBOARDING_STATE_MACHINE_ARN,
  TEST_STATE_MACHINE_ARN,
  TEST_SWEEP_STATE_MACHINE_ARN,
  TEST_ROLLOUT_STATE_MACHINE_ARN,
  TEST_VERIFICATION_STATE_MACHINE_ARN,
  type WorkflowFunctionName,
  type WorkflowRun,
  type WorkflowRunOptions,
} from './workflow-runner.js';

export type { EventEnvelope, PolicyView, RoleView, WorkflowRun };
/** A policy document as the local IAM stores it. */
export type PolicyDocument = RoleView['assumeRolePolicyDocument'];
type PolicyStatement = Extract<PolicyDocument['Statement'], unknown[]>[number];

export const MANAGEMENT_ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const BOOTSTRAP_ROLE_NAME = 'OrganizationAccountAccessRole';
const ROLE_PATH = '/capa-providers/';
const MANAGEMENT_ROLE_NAME = 'capa-management';
const MANAGEMENT_ROLE_ARN = `arn:aws:iam::${MANAGEMENT_ACCOUNT}:role/${MANAGEMENT_ROLE_NAME}`;
const EVENT_BUS_NAME = 'capa-provider-onboarding';
const EVENT_SOURCE = 'capa-provider-onboarding';
const TABLE_NAME = 'providers';
const SETTINGS = { stateMachineArn: TEST_STATE_MACHINE_ARN, partition: 'aws', rolePath: ROLE_PATH, roleNamePrefix: 'capa-' };

export interface WorkflowCloudOptions {
  /** The stack's grantMode (default "path"). */
  grantMode?: 'path' | 'per-role';
  /** The stack's verifyTimeoutSeconds (default 120, the deployed default). */
  verifyTimeoutSeconds?: number;
  /** false: the functions are configured with the provider bus, but it does not exist. */
  createEventBus?: boolean;
  /** Ask the functions to log every invocation's event (POWERTOOLS_LOGGER_LOG_EVENT), as an operator troubleshooting may. */
  logEvents?: boolean;
  /** The stack's autoRepair for the fleet sweep (default false). */
  autoRepair?: boolean;
  /** The stack's rolloutMaxFailures and rolloutMaxFailurePercent (default 10 and 10). */
  rolloutTolerance?: { maxFailures: number; maxFailurePercent: number };
  /** The CAPA policy file the deployment bundles for rollouts (default '': the shipped one). */
  deployedPolicyFile?: string;
  /** The stack's sweepPageSize: providers per page of the fleet sweep (default 500). */
  sweepPageSize?: number;
  /**
   * list-fleet's MIN_CHECK_MS, the least time each sweep check lasts (default 10 here: the stack's
   * 1,000, from sweepConcurrency and sweepChecksPerSecond, would add a second per check, as the
   * Map runs its iterations one at a time in the tests).
   */
  minCheckMs?: number;
  /** The stack's rolloutPageSize: providers per page of a policy rollout (default 500). */
  rolloutPageSize?: number;
  /** The stack's reconcileEnabled (default false here, so sweep tests see only the fleet they build). */
  reconcile?: boolean;
  /** The stack's reconcileMaxOnboardings (default 50). */
  reconcileMaxOnboardings?: number;
  /** The stack's newAccountRules (default none: every account to the default workspace). */
  newAccountRules?: unknown[];
}

type FaultableService = 'iam' | 'sts' | 'organizations' | 'events' | 'dynamodb';

/**
 * A fault aimed at some requests only. It counts SDK operations (one `send`, all its SDK retries),
 * so "the first operation" fails in every attempt the SDK makes and the error reaches the caller.
 */
export interface TargetedFault {
  service: FaultableService;
  action: string;
  /** throttle and error5xx answer with the error the service sends; hang holds the request until reset. */
  kind: 'throttle' | 'error5xx' | 'hang';
  /** Only requests whose parameters match (query protocol: the flat form fields). */
  when?: (params: Record<string, unknown>) => boolean;
  /** How many operations it hits (default: every one). */
  operations?: number;
}

export type OnboardOptions = Omit<WorkflowRunOptions, 'executionName' | 'environments'>;

/** A StartExecution a function asked for: the test runs it. */
export interface RecordedStart {
  stateMachineArn: string;
  name: string;
  input: string;
}

export interface Onboarded {
  run: WorkflowRun;
  provider: ProviderRecord;
  /** The StartExecution the onboarding asked for. */
  start: RecordedStart;
}

export interface Offboarded {
  /** What startOffboarding answered (as the API's DELETE does). */
  answer: OffboardOutcome;
  /** Undefined when the DELETE started no execution. */
  run?: WorkflowRun;
  provider: ProviderRecord | undefined;
}

export interface FunctionClientConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
}

export interface WorkflowCloud {
  registry: ProviderRegistry;
  /** A new member account, created through Organizations (its bootstrap role trusts the management account). */
  createAccount(): Promise<string>;
  /** Starts onboarding as the API does, then runs the execution it asked Step Functions for. */
  onboard(request: ProviderRequest, options?: OnboardOptions): Promise<Onboarded>;
  /**
   * Starts offboarding as the API's DELETE does, then runs the execution it asked Step Functions
   * for, if it asked for one.
   */
  offboard(workspace: string, name: string, options?: OnboardOptions & { force?: boolean }): Promise<Offboarded>;
  /** Runs an execution (again), as Step Functions would deliver it. */
  run(start: RecordedStart, options?: OnboardOptions): Promise<WorkflowRun>;
  /** Runs one execution of the fleet sweep (as its schedule would start it). */
  sweep(options?: OnboardOptions): Promise<WorkflowRun>;
  /** Every StartExecution a function asked for, oldest first (the test runs the ones it wants). */
  startedExecutions(): RecordedStart[];
  /**
   * Starts a rollout of `policyVersion` as the API's POST does, then runs the rollout-policy
   * execution it asked for, if it asked for one.
   */
  rollout(policyVersion: string, options?: OnboardOptions): Promise<{ answer: StartRolloutOutcome; run?: WorkflowRun }>;
  /** Starts a re-verification as the API does, then runs the verify-provider execution it asked for. */
  verify(providerId: string, options?: OnboardOptions): Promise<{ run: WorkflowRun; provider: ProviderRecord }>;

  // ---- what the organization's administrators do (Organizations, management account)
  /** Organizations with the management account's administrator (OUs, tags, moves). */
  organizations: OrganizationsClient;
  closeAccount(accountId: string): Promise<void>;
  removeAccount(accountId: string): Promise<void>;

  // ---- what the account's administrators do outside the workflow (admin credentials)
  createRole(accountId: string, role: { roleName: string; path: string; trust: PolicyDocument; tags?: Record<string, string> }): string;
  createPolicy(accountId: string, policy: { policyName: string; path: string; document: PolicyDocument; tags?: Record<string, string> }): string;
  attachRolePolicy(accountId: string, roleName: string, policyArn: string): void;
  updateTrustPolicy(accountId: string, roleName: string, trust: PolicyDocument): void;
  putManagementGrant(document: PolicyDocument): void;
  /** An explicit deny on a function's role, as a guardrail would add. Removed by reset(). */
  denyToFunction(name: WorkflowFunctionName, actions: string[]): void;
  liftGuardrails(): void;
  /** The account's bootstrap role stops trusting the management account (or trusts it again). */
  refuseBootstrap(accountId: string): void;
  restoreBootstrap(accountId: string): void;
  /**
   * A beforeTask hook: before the first verification, the role's trust policy loses its
   * sts:ExternalId condition, as a hand edit in the target account would do.
   */
  dropExternalIdConditionBeforeVerification(accountId: string, roleName: string): NonNullable<OnboardOptions['beforeTask']>;
  /** Moves the provider to another attempt, as a newer onboarding request would. */
  moveProviderToAttempt(providerId: string, attempt: number): Promise<void>;

  // ---- control
  /** IAM propagation delay of new roles and of trust policy changes (0 after reset). */
  setPropagationDelay(ms: number): void;
  /**
   * IAM's clock is real time plus what this added: with a delay far longer than a test, a role
   * propagates exactly when the test advances the clock, never by timing.
   */
  advanceIamClock(ms: number): void;
  injectFault(fault: TargetedFault): void;
  /** Runs `listener` with the parameters of each service:action request as it arrives (until reset). */
  onRequest(service: FaultableService, action: string, listener: (params: Record<string, unknown>) => void): void;

  // ---- inspection
  role(accountId: string, roleName: string): RoleView | undefined;
  roles(accountId: string): RoleView[];
  policies(accountId: string): PolicyView[];
  /** ARNs of the roles on the product path and of the customer managed policies in the account. */
  providerResources(accountId: string): string[];
  managementGrant(): PolicyDocument | undefined;
  /** Events on the provider bus about one provider, oldest first. */
  events(providerId: string): EventEnvelope[];
  /** Policy Rollout Completed and Halted events on the provider bus, oldest first. */
  rolloutEvents(): EventEnvelope[];
  /** How many SDK operations of service:action reached the endpoint since the last reset. */
  operations(service: FaultableService, action: string): number;
  /** IAM in the target account through its bootstrap role, as the create-role function reaches it. */
  bootstrapSession(accountId: string): Promise<IAMClient>;
  /**
   * SDK client settings (endpoint, region, credentials) of a new Lambda role in the management
   * account carrying `permissions`, for a function the workflows above do not run.
   */
  functionClientConfig(roleName: string, permissions: PolicyDocument): FunctionClientConfig;

  /** Clears faults, guardrails, propagation delay and counts between tests; releases held requests. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** The statements the stack grants each workflow function (lib/constructs/onboarding-workflow.ts). */
function functionPolicies(resources: { tableArn: string; busArn: string }): Record<WorkflowFunctionName, PolicyDocument> {
  const document = (...Statement: PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement });
  const assumeBootstrapRole = { Effect: 'Allow' as const, Action: 'sts:AssumeRole', Resource: `arn:aws:iam::*:role/${BOOTSTRAP_ROLE_NAME}` };
  const updateItem = { Effect: 'Allow' as const, Action: 'dynamodb:UpdateItem', Resource: resources.tableArn };
  const getItem = { Effect: 'Allow' as const, Action: 'dynamodb:GetItem', Resource: resources.tableArn };
  const grant = (actions: string[]) => ({ Effect: 'Allow' as const, Action: actions, Resource: MANAGEMENT_ROLE_ARN });
  return {
    'create-role': document(assumeBootstrapRole, updateItem, getItem),
    'attach-policies': document(assumeBootstrapRole, getItem),
    'grant-management': document(grant(['iam:GetRolePolicy', 'iam:PutRolePolicy'])),
    'verify-role': document({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::*:role${ROLE_PATH}*` }, updateItem),
    'record-result': document(updateItem, { Effect: 'Allow', Action: 'events:PutEvents', Resource: resources.busArn }),
    compensate: document(assumeBootstrapRole, grant(['iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'])),
    // lib/constructs/offboarding-workflow.ts
    'revoke-grant': document(grant(['iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'])),
    'remove-provider-resources': document(assumeBootstrapRole),
    'record-offboarding': document(updateItem, { Effect: 'Allow', Action: 'events:PutEvents', Resource: resources.busArn }),
    'check-provider': document(
      { Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: resources.tableArn },
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [`arn:aws:iam::*:role/${BOOTSTRAP_ROLE_NAME}`, `arn:aws:iam::*:role${ROLE_PATH}*`] },
      grant(['iam:GetRolePolicy', 'iam:SimulatePrincipalPolicy']),
    ),
    'record-verification': document(updateItem, { Effect: 'Allow', Action: 'events:PutEvents', Resource: resources.busArn }),
    // lib/constructs/fleet-sweep.ts
    'list-fleet': document({ Effect: 'Allow', Action: 'dynamodb:Scan', Resource: resources.tableArn }),
    'repair-provider': document(
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: resources.tableArn },
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: TEST_STATE_MACHINE_ARN },
      { Effect: 'Allow', Action: 'states:DescribeExecution', Resource: `${TEST_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:*` },
    ),
    'record-sweep': document(
      { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: resources.tableArn },
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: resources.busArn },
    ),
    // lib/constructs/reconcile-organization.ts
    'reconcile-organization': document(
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Scan'], Resource: resources.tableArn },
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${resources.tableArn}/index/byAccount` },
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: TEST_STATE_MACHINE_ARN },
      { Effect: 'Allow', Action: 'states:DescribeExecution', Resource: `${TEST_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:*` },
      {
        Effect: 'Allow',
        Action: [
          'organizations:DescribeOrganization',
          'organizations:ListAccounts',
          'organizations:ListRoots',
          'organizations:ListOrganizationalUnitsForParent',
          'organizations:ListAccountsForParent',
          'organizations:ListTagsForResource',
        ],
        Resource: '*',
      },
      grant(['iam:GetRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy']),
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: resources.busArn },
    ),
    // lib/constructs/policy-rollout.ts and lib/constructs/policy-upgrade-function.ts
    'open-rollout': document({ Effect: 'Allow', Action: ['dynamodb:Scan', 'dynamodb:UpdateItem'], Resource: resources.tableArn }),
    'rollout-progress': document({ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: resources.tableArn }),
    'upgrade-provider-policy': document(
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: resources.tableArn },
      { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [`arn:aws:iam::*:role/${BOOTSTRAP_ROLE_NAME}`, `arn:aws:iam::*:role${ROLE_PATH}*`] },
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: resources.busArn },
    ),
    'close-rollout': document(
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: resources.tableArn },
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: resources.busArn },
    ),
  };
}

/** Each function's variables (docs/CONTRACTS.md), as the stack sets them. */
function functionVariables(options: Required<WorkflowCloudOptions>): Record<WorkflowFunctionName, Record<string, string>> {
  const managementPrincipal = `arn:aws:iam::${MANAGEMENT_ACCOUNT}:root`;
  return {
    'create-role': { TABLE_NAME, BOOTSTRAP_ROLE_NAME, ROLE_PATH, MANAGEMENT_PRINCIPAL_ARN: managementPrincipal },
    'attach-policies': { TABLE_NAME, BOOTSTRAP_ROLE_NAME, ROLE_PATH },
    'grant-management': { MANAGEMENT_ROLE_ARN, ROLE_PATH, GRANT_MODE: options.grantMode },
    'verify-role': { TABLE_NAME, VERIFY_TIMEOUT_SECONDS: String(options.verifyTimeoutSeconds) },
    'record-result': { TABLE_NAME, EVENT_BUS_NAME, EVENT_SOURCE },
    compensate: { BOOTSTRAP_ROLE_NAME, ROLE_PATH, MANAGEMENT_ROLE_ARN, GRANT_MODE: options.grantMode },
    'revoke-grant': { MANAGEMENT_ROLE_ARN, ROLE_PATH, GRANT_MODE: options.grantMode },
    'remove-provider-resources': { BOOTSTRAP_ROLE_NAME, ROLE_PATH },
    'record-offboarding': { TABLE_NAME, EVENT_BUS_NAME, EVENT_SOURCE },
    'check-provider': {
      TABLE_NAME,
      BOOTSTRAP_ROLE_NAME,
      ROLE_PATH,
      MANAGEMENT_PRINCIPAL_ARN: managementPrincipal,
      MANAGEMENT_ROLE_ARN,
      GRANT_MODE: options.grantMode,
    },
    'record-verification': { TABLE_NAME, EVENT_BUS_NAME, EVENT_SOURCE },
    // lib/constructs/fleet-sweep.ts
    'list-fleet': { TABLE_NAME, AUTO_REPAIR: String(options.autoRepair), PAGE_SIZE: String(options.sweepPageSize), MIN_CHECK_MS: String(options.minCheckMs) },
    'repair-provider': { TABLE_NAME, STATE_MACHINE_ARN: SETTINGS.stateMachineArn, ROLE_PATH, ROLE_NAME_PREFIX: SETTINGS.roleNamePrefix },
    'record-sweep': { TABLE_NAME, EVENT_BUS_NAME, EVENT_SOURCE },
    'reconcile-organization': {
      TABLE_NAME,
      STATE_MACHINE_ARN: SETTINGS.stateMachineArn,
      ROLE_PATH,
      ROLE_NAME_PREFIX: SETTINGS.roleNamePrefix,
      DEFAULT_WORKSPACE: 'default',
      NEW_ACCOUNT_RULES: JSON.stringify(options.newAccountRules),
      BOOTSTRAP_ROLES: JSON.stringify({ organizations: BOOTSTRAP_ROLE_NAME, controltower: 'AWSControlTowerExecution' }),
      RECONCILE_ENABLED: String(options.reconcile),
      MAX_ONBOARDINGS: String(options.reconcileMaxOnboardings),
      EVENT_BUS_NAME,
      EVENT_SOURCE,
      MANAGEMENT_ROLE_ARN,
      GRANT_MODE: options.grantMode,
    },
    // lib/constructs/policy-rollout.ts and lib/constructs/policy-upgrade-function.ts
    'open-rollout': {
      TABLE_NAME,
      PAGE_SIZE: String(options.rolloutPageSize),
      ROLLOUT_MAX_FAILURES: String(options.rolloutTolerance.maxFailures),
      ROLLOUT_MAX_FAILURE_PERCENT: String(options.rolloutTolerance.maxFailurePercent),
    },
    'rollout-progress': { TABLE_NAME },
    'upgrade-provider-policy': {
      TABLE_NAME,
      BOOTSTRAP_ROLE_NAME,
      ROLE_PATH,
      EVENT_BUS_NAME,
      EVENT_SOURCE,
      ...(options.deployedPolicyFile !== '' && { TEST_DEPLOYED_CAPA_POLICY_FILE: options.deployedPolicyFile }),
    },
    'close-rollout': { TABLE_NAME, EVENT_BUS_NAME, EVENT_SOURCE },
  };
}

const trustingAccount = (accountId: string): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }],
});

const FUNCTION_NAMES: WorkflowFunctionName[] = [
  'create-role',
  'attach-policies',
  'grant-management',
  'verify-role',
  'record-result',
  'compensate',
  'revoke-grant',
  'remove-provider-resources',
  'record-offboarding',
  'check-provider',
  'record-verification',
  'list-fleet',
  'repair-provider',
  'record-sweep',
  'reconcile-organization',
  'open-rollout',
  'rollout-progress',
  'upgrade-provider-policy',
  'close-rollout',
];
const GUARDRAIL_POLICY = 'test-guardrail';

export async function startWorkflowCloud(options: WorkflowCloudOptions = {}): Promise<WorkflowCloud> {
  const config: Required<WorkflowCloudOptions> = {
    grantMode: 'path',
    verifyTimeoutSeconds: 120,
    createEventBus: true,
    logEvents: false,
    autoRepair: false,
    rolloutTolerance: { maxFailures: 10, maxFailurePercent: 10 },
    deployedPolicyFile: '',
    sweepPageSize: 500,
    minCheckMs: 10,
    rolloutPageSize: 500,
    reconcile: false,
    reconcileMaxOnboardings: 50,
    newAccountRules: [],
    ...options,
  };

  // The IAM clock is real time plus what the tests advance it by, so propagation ends when a test says.
  let clockOffsetMs = 0;
  const iam = new LocalIam({ managementAccountId: MANAGEMENT_ACCOUNT, region: REGION, now: () => Date.now() + clockOffsetMs });
  // No rules are put on these buses, so nothing is ever delivered.
  const events = new LocalEventBridge({ accountId: MANAGEMENT_ACCOUNT, region: REGION, authorize: iam.authorize, deliver: async () => undefined });
  const dynamodb = await LocalDynamoDb.start({ accountId: MANAGEMENT_ACCOUNT, region: REGION, authorize: iam.authorize });
  await dynamodb.createTable(TABLE_NAME, REGISTRY_TABLE);
  const busArn = config.createEventBus ? events.createEventBus(EVENT_BUS_NAME).arn : events.busArn(EVENT_BUS_NAME);

  let faults: Array<TargetedFault & { hit: Set<string> }> = [];
  let listeners: Array<{ key: string; listener: (params: Record<string, unknown>) => void }> = [];
  let heldRequests: Array<() => void> = [];
  let operationIds = new Map<string, Set<string>>();
  const starts: RecordedStart[] = [];

  /** Counts the operation, then answers with a fault aimed at it, if any. */
  const faultable = (service: FaultableService, handler: ServiceFunction): ServiceFunction => async (request) => {
    const operation = request.headers['amz-sdk-invocation-id'] ?? crypto.randomUUID();
    const key = `${service}:${request.action}`;
    operationIds.set(key, (operationIds.get(key) ?? new Set()).add(operation));
    for (const observer of listeners) if (observer.key === key) observer.listener(request.params);
    const fault = faults.find(
      (f) =>
        f.service === service &&
        f.action === request.action &&
        (f.when?.(request.params) ?? true) &&
        (f.hit.has(operation) || f.hit.size < (f.operations ?? Number.POSITIVE_INFINITY)),
    );
    if (fault === undefined) return handler(request);
    fault.hit.add(operation);
    if (fault.kind === 'hang') {
      await new Promise<void>((release) => heldRequests.push(release));
      return handler(request);
    }
    return errorResponse(service, fault.kind === 'throttle' ? throttlingError(service, request.action) : serverError(service));
  };

  // Step Functions' StartExecution is only recorded: the test runs the execution itself.
  const recordStartExecution: ServiceFunction = async (request) => {
    if (request.action !== 'StartExecution') throw new Error(`The workflow cloud only records StartExecution (got ${request.action})`);
    const { name, input, stateMachineArn } = request.params as { name: string; input: string; stateMachineArn: string };
    starts.push({ stateMachineArn, name, input });
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: JSON.stringify({ executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`, startDate: Date.now() / 1000 }),
    };
  };

  const server: LocalServer = await startServer({
    port: 0,
    region: REGION,
    credentials: (accessKeyId) => iam.resolveCredentials(accessKeyId),
    handlers: {
      iam: faultable('iam', (request) => iam.handleIam(request)),
      sts: faultable('sts', (request) => iam.handleSts(request)),
      organizations: faultable('organizations', (request) => iam.handleOrganizations(request)),
      events: faultable('events', (request) => events.handle(request)),
      dynamodb: faultable('dynamodb', (request) => dynamodb.handle(request)),
      states: recordStartExecution,
    },
  });

  const admin = { endpoint: server.url, region: REGION, credentials: iam.adminCredentials() };
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient(admin));
  const registry = new ProviderRegistry(documentClient, TABLE_NAME);
  const organizations = new OrganizationsClient(admin);
  const sfn = new SFNClient(admin);

  // The management cluster's role (a prerequisite the platform team creates) and one role per function.
  iam.createRole(MANAGEMENT_ACCOUNT, {
    roleName: MANAGEMENT_ROLE_NAME,
    assumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
  });
  const policies = functionPolicies({ tableArn: dynamodb.tableArn(TABLE_NAME), busArn });
  const variables = functionVariables(config);
  const functionRoleName = (name: WorkflowFunctionName) => `capa-onboarding-${name}`;
  const credentials = {} as Record<WorkflowFunctionName, { accessKeyId: string; secretAccessKey: string; sessionToken: string }>;
  const environments = {} as Record<WorkflowFunctionName, Record<string, string>>;
  for (const name of FUNCTION_NAMES) {
    const { arn } = iam.createRole(MANAGEMENT_ACCOUNT, {
      roleName: functionRoleName(name),
      assumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
    });
    iam.putRolePolicy(MANAGEMENT_ACCOUNT, functionRoleName(name), 'permissions', policies[name]);
    credentials[name] = iam.sessionForService(arn, 'lambda.amazonaws.com', { sessionName: name });
    environments[name] = {
      ...variables[name],
      AWS_REGION: REGION,
      AWS_ENDPOINT_URL: server.url,
      AWS_ACCESS_KEY_ID: credentials[name].accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials[name].secretAccessKey,
      AWS_SESSION_TOKEN: credentials[name].sessionToken,
      PARTITION: 'aws',
      POWERTOOLS_SERVICE_NAME: 'capa-provider-onboarding',
      // The most verbose level (the stack deploys INFO), so no log line escapes the assertions.
      POWERTOOLS_LOG_LEVEL: 'DEBUG',
      POWERTOOLS_LOGGER_LOG_EVENT: String(config.logEvents),
    };
  }

  let accounts = 0;
  const run = (start: RecordedStart, runOptions: OnboardOptions = {}) =>
    runOnboardingWorkflow(JSON.parse(start.input), { ...runOptions, executionName: start.name, stateMachineArn: start.stateMachineArn, environments });

  const liftGuardrails = () => {
    for (const name of FUNCTION_NAMES) {
      if (iam.getRole(MANAGEMENT_ACCOUNT, functionRoleName(name))?.inlinePolicies[GUARDRAIL_POLICY] !== undefined) {
        iam.deleteRolePolicy(MANAGEMENT_ACCOUNT, functionRoleName(name), GUARDRAIL_POLICY);
      }
    }
  };

  return {
    registry,

    async createAccount() {
      accounts += 1;
      const { CreateAccountStatus } = await organizations.send(
        new CreateAccountCommand({ AccountName: `workload-${accounts}`, Email: `workload-${accounts}@example.com` }),
      );
      if (CreateAccountStatus?.State !== 'SUCCEEDED' || !CreateAccountStatus.AccountId) {
        throw new Error(`CreateAccount did not succeed: ${JSON.stringify(CreateAccountStatus)}`);
      }
      return CreateAccountStatus.AccountId;
    },

    async onboard(request, runOptions = {}) {
      const started = await startOnboarding({ registry, sfn, settings: SETTINGS }, request);
      const start = starts.at(-1);
      if (start === undefined || start.name !== started.provider.executionName) {
        throw new Error(`Onboarding ${started.provider.providerId} started no execution (outcome ${started.outcome})`);
      }
      const result = await run(start, runOptions);
      const provider = await registry.get(started.provider.providerId);
      if (provider === undefined) throw new Error(`Provider ${started.provider.providerId} is not in the registry`);
      return { run: result, provider, start };
    },

    async offboard(workspace, name, { force = false, ...runOptions } = {}) {
      const startsBefore = starts.length;
      const answer = await startOffboarding({ registry, sfn, stateMachineArn: TEST_OFFBOARDING_STATE_MACHINE_ARN }, { workspace, name, force });
      const start = starts.length > startsBefore ? starts.at(-1) : undefined;
      const result = start === undefined ? undefined : await run(start, runOptions);
      return { answer, ...(result !== undefined ? { run: result } : {}), provider: await registry.get(`${workspace}.${name}`) };
    },

    run,

    async rollout(policyVersion, runOptions = {}) {
      const startsBefore = starts.length;
      const answer = await startRollout({ rollouts: new RolloutRegistry(documentClient, TABLE_NAME), sfn, stateMachineArn: TEST_ROLLOUT_STATE_MACHINE_ARN }, { policyVersion, trigger: 'api' });
      const start = starts.length > startsBefore ? starts.at(-1) : undefined;
      return { answer, ...(start !== undefined && { run: await run(start, runOptions) }) };
    },

    sweep(runOptions = {}) {
      const name = `sweep-${crypto.randomUUID()}`;
      return run({ stateMachineArn: TEST_SWEEP_STATE_MACHINE_ARN, name, input: '{}' }, runOptions);
    },

    startedExecutions: () => [...starts],
    organizations,

    async closeAccount(accountId) {
      await organizations.send(new CloseAccountCommand({ AccountId: accountId }));
    },
    async removeAccount(accountId) {
      await organizations.send(new RemoveAccountFromOrganizationCommand({ AccountId: accountId }));
    },

    async verify(providerId, runOptions = {}) {
      const record = await registry.get(providerId);
      if (record === undefined) throw new Error(`Provider ${providerId} is not in the registry`);
      await startVerification(sfn, TEST_VERIFICATION_STATE_MACHINE_ARN, record);
      const result = await run(starts.at(-1)!, runOptions);
      const provider = await registry.get(providerId);
      if (provider === undefined) throw new Error(`Provider ${providerId} left the registry`);
      return { run: result, provider };
    },

    createRole(accountId, role) {
      return iam.createRole(accountId, {
        roleName: role.roleName,
        path: role.path,
        assumeRolePolicyDocument: role.trust,
        ...(role.tags !== undefined ? { tags: role.tags } : {}),
      }).arn;
    },
    createPolicy(accountId, policy) {
      return iam.createPolicy(accountId, {
        policyName: policy.policyName,
        path: policy.path,
        document: policy.document,
        ...(policy.tags !== undefined ? { tags: policy.tags } : {}),
      }).arn;
    },
    attachRolePolicy: (accountId, roleName, policyArn) => iam.attachRolePolicy(accountId, roleName, policyArn),
    updateTrustPolicy: (accountId, roleName, trust) => iam.updateAssumeRolePolicy(accountId, roleName, trust),
    putManagementGrant: (document) =>
      iam.putRolePolicy(MANAGEMENT_ACCOUNT, MANAGEMENT_ROLE_NAME, 'capa-provider-onboarding-assume', document),
    denyToFunction(name, actions) {
      iam.putRolePolicy(MANAGEMENT_ACCOUNT, functionRoleName(name), GUARDRAIL_POLICY, {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: actions, Resource: '*' }],
      });
    },
    liftGuardrails,
    refuseBootstrap: (accountId) => iam.updateAssumeRolePolicy(accountId, BOOTSTRAP_ROLE_NAME, trustingAccount('999999999999')),
    restoreBootstrap: (accountId) => iam.updateAssumeRolePolicy(accountId, BOOTSTRAP_ROLE_NAME, trustingAccount(MANAGEMENT_ACCOUNT)),
    dropExternalIdConditionBeforeVerification: (accountId, roleName) => (stateName, invocation) => {
      if (stateName !== 'Verify Role Is Assumable' || invocation !== 1) return;
      const trust = iam.getRole(accountId, roleName)?.assumeRolePolicyDocument;
      if (trust === undefined) throw new Error(`Role ${roleName} is not in account ${accountId}`);
      const statements = Array.isArray(trust.Statement) ? trust.Statement : [trust.Statement];
      iam.updateAssumeRolePolicy(accountId, roleName, {
        ...trust,
        Statement: statements.map(({ Condition: _condition, ...statement }) => statement),
      });
    },
    async moveProviderToAttempt(providerId, attempt) {
      await documentClient.send(
        new UpdateCommand({
          TableName: TABLE_NAME,
          Key: { providerId },
          UpdateExpression: 'SET attempt = :attempt, #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':attempt': attempt, ':pending': 'PENDING' },
        }),
      );
    },

    setPropagationDelay: (ms) => iam.setPropagationDelay(() => ms),
    advanceIamClock(ms) {
      clockOffsetMs += ms;
    },
    injectFault(fault) {
      faults.push({ ...fault, hit: new Set() });
    },
    onRequest(service, action, listener) {
      listeners.push({ key: `${service}:${action}`, listener });
    },

    role: (accountId, roleName) => iam.getRole(accountId, roleName),
    roles: (accountId) => iam.listRoles(accountId),
    policies: (accountId) => iam.listPolicies(accountId),
    providerResources: (accountId) => [
      ...iam.listRoles(accountId).filter((role) => role.path === ROLE_PATH).map((role) => role.arn),
      ...iam.listPolicies(accountId).map((policy) => policy.arn),
    ],
    managementGrant: () => iam.getRole(MANAGEMENT_ACCOUNT, MANAGEMENT_ROLE_NAME)?.inlinePolicies['capa-provider-onboarding-assume'],
    events: (providerId) =>
      events.recordedEvents(EVENT_BUS_NAME).filter((event) => (event.detail as { providerId?: unknown }).providerId === providerId),
    rolloutEvents: () => events.recordedEvents(EVENT_BUS_NAME).filter((event) => String(event['detail-type']).startsWith('Policy Rollout ')),
    operations: (service, action) => operationIds.get(`${service}:${action}`)?.size ?? 0,
    async bootstrapSession(accountId) {
      // The client the product returns takes its endpoint from the function's environment.
      applyEnvironment(environments['create-role']);
      const sts = new STSClient({ endpoint: server.url, region: REGION, credentials: credentials['create-role'] });
      return iamClientForTargetAccount(
        sts,
        { accountId, partition: 'aws', bootstrapRoleName: BOOTSTRAP_ROLE_NAME, rolePath: ROLE_PATH, sessionName: 'capa-onboarding-test' },
        REGION,
      );
    },

    functionClientConfig(roleName, permissions) {
      const { arn } = iam.createRole(MANAGEMENT_ACCOUNT, {
        roleName,
        assumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      });
      iam.putRolePolicy(MANAGEMENT_ACCOUNT, roleName, 'permissions', permissions);
      return { endpoint: server.url, region: REGION, credentials: iam.sessionForService(arn, 'lambda.amazonaws.com', { sessionName: roleName }) };
    },

    async reset() {
      faults = [];
      listeners = [];
      operationIds = new Map();
      for (const release of heldRequests) release();
      heldRequests = [];
      await settleAbandonedInvocations();
      iam.setPropagationDelay(() => 0);
      liftGuardrails();
    },

    async close() {
      for (const release of heldRequests) release();
      documentClient.destroy();
      organizations.destroy();
      sfn.destroy();
      await server.close();
      await dynamodb.close();
    },
  };
}
