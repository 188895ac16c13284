// The contract between the template walk and the emulated services: each service declares, in its
// own cloudformation.ts, how the CloudFormation types it owns are created locally. The deployer
// resolves a resource's properties and hands them to the handler registered for its type.
import type { ApiGatewayDeployTarget } from '../apigateway/cloudformation.js';
import type { AwsResponse, ServiceName } from '../core/types.js';
import type { CustomResourceDeployTarget } from '../cloudformation/cloudformation.js';
import type { DynamoDbDeployTarget } from '../dynamodb/cloudformation.js';
import type { EventsDeployTarget } from '../events/cloudformation.js';
import type { IamDeployTarget } from '../iam/cloudformation.js';
import type { LambdaDeployTarget } from '../lambda/cloudformation.js';
import type { SqsDeployTarget } from '../sqs/cloudformation.js';
import type { StepFunctionsDeployTarget } from '../stepfunctions/cloudformation.js';
import type { ResourceIdentity, StackEnvironment } from './naming.js';

export type { ResourceIdentity, StackEnvironment } from './naming.js';

/** An admin call into a service, for operations outside the facades (updates on redeploy). */
export type AdminCall = (service: ServiceName, action: string, params: Record<string, unknown>) => Promise<AwsResponse>;

/** The emulators the handlers deploy into; each service's cloudformation.ts says what it needs. */
export interface DeployTargets {
  iam: IamDeployTarget;
  dynamodb: DynamoDbDeployTarget;
  events: EventsDeployTarget;
  lambda: LambdaDeployTarget;
  sfn: StepFunctionsDeployTarget;
  apigateway?: ApiGatewayDeployTarget;
  sqs?: SqsDeployTarget;
  customResources?: CustomResourceDeployTarget;
  call?: AdminCall;
}

/** What a handler reports once it has deployed a resource. */
export interface DeployedIdentity extends ResourceIdentity {
  /** The local cloud runs nothing for this resource (e.g. a scheduled rule); it only resolves references. */
  skipped?: boolean;
}

/** What a handler gets besides the resource's resolved properties. */
export interface ResourceContext {
  readonly logicalId: string;
  /** The resource's type as the template names it (e.g. `Custom::PolicyRollout`). */
  readonly type: string;
  readonly env: StackEnvironment;
  readonly stackId: string;
  /** The same resource as the previous deployment left it, when there was one (properties only for handlers that keep them). */
  readonly previous?: { physicalId: string; properties?: Record<string, unknown> };
  readonly targets: DeployTargets;
  /** On-disk source of the resource's asset (a Lambda bundle directory, a definition file), if any. */
  readonly assetSource: string | undefined;
  log(line: string): void;
  /** The name the template gives (when a string), else CloudFormation's `<Stack>-<LogicalId>-<SUFFIX>`. */
  physicalName(explicit: unknown, maxLength: number): string;
  /** A stable stand-in for an id AWS generates at random, derived from the stack and logical id. */
  stableId(length: number, options?: { salt?: string; lowercase?: boolean }): string;
  /** The identity of a resource without its own Ref/ARN rules. */
  genericIdentity(): ResourceIdentity;
  /**
   * State the handlers of one service share during one deployment (e.g. a REST API assembled
   * from its Resource, Method and Stage resources), created on first use.
   */
  shared<T>(key: string, create: () => T): T;
  /** Runs `step` once every resource of the template is deployed. */
  afterAll(step: () => void | Promise<void>): void;
}

/** Deploys one CloudFormation resource type into an emulator. */
export interface ResourceHandler {
  /** The CloudFormation type, e.g. `AWS::IAM::Role`. */
  readonly type: string;
  /** The emulator's snapshot keeps it across a restart, so an unchanged one is left alone on redeploy. */
  readonly persistent: boolean;
  /** Its resolved properties are kept with the deployment, so a redeploy can send them as the old ones (custom resources). */
  readonly keepsProperties?: boolean;
  /** The S3 key of the asset it deploys (bundle, definition file), looked up in the assembly. */
  assetKey?(props: Record<string, unknown>): unknown;
  /** Creates the resource, or brings one left by a previous run up to date, and reports its identity. */
  deploy(props: Record<string, unknown>, context: ResourceContext): DeployedIdentity | Promise<DeployedIdentity>;
}
