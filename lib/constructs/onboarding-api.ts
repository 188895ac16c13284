// The providers API: REST, SigV4 (IAM) on every method, one Lambda behind a proxy integration.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { OnboardingConfig } from '../config.js';
import type { OnboardingFunction } from './onboarding-function.js';
import { startOnboardingFunction } from './start-onboarding.js';
import type { Registry } from './registry.js';
import { LATEST_ROLLOUT, ROLLOUT, ROLLOUTS } from '../../functions/api/routes/paths.js';
import { CLUSTER_IDENTITY, LATEST_SWEEP, PROVIDER, PROVIDERS, ROTATION_COMPLETION, ROTATIONS, VERIFICATIONS } from '../../functions/api/routes/paths.js';

const DNS_LABEL = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$';

/**
 * The POST /workspaces/{workspace}/providers body, checked at the edge so malformed requests never reach the function.
 * It mirrors ProviderBodySchema (functions/shared/domain/provider-request.ts), which stays the authority and
 * gives the field-by-field details; `\w` is spelled out because API Gateway's validator is not
 * JavaScript. test/infra checks both accept and refuse the same bodies.
 */
export const PROVIDER_REQUEST_MODEL: apigw.JsonSchema = {
  schema: apigw.JsonSchemaVersion.DRAFT4,
  title: 'ProviderRequest',
  type: apigw.JsonSchemaType.OBJECT,
  required: ['name', 'accountId'],
  additionalProperties: false,
  properties: {
    name: { type: apigw.JsonSchemaType.STRING, pattern: DNS_LABEL },
    accountId: { type: apigw.JsonSchemaType.STRING, pattern: '^[0-9]{12}$' },
    externalId: { type: apigw.JsonSchemaType.STRING, pattern: '^[A-Za-z0-9_+=,.@:/-]{2,1224}$' },
    roleName: { type: apigw.JsonSchemaType.STRING, pattern: '^[A-Za-z0-9_+=,.@-]{1,64}$' },
    trustEc2: { type: apigw.JsonSchemaType.BOOLEAN },
  },
};

// Responses API Gateway produces itself follow the API's error shape too, so clients parse one
// format. validationErrorString is already escaped by API Gateway for use inside a JSON string.
const VALIDATION_ERROR_TEMPLATE =
  '{"error":{"code":"VALIDATION_FAILED","message":"$context.error.validationErrorString","details":[{"field":"request","issue":"$context.error.validationErrorString"}]}}';
const GATEWAY_ERROR_TEMPLATE = '{"error":{"code":"$context.error.responseType","message":$context.error.messageString,"details":[]}}';

export interface OnboardingApiProps {
  readonly config: OnboardingConfig;
  readonly registry: Registry;
  readonly stateMachine: sfn.StateMachine;
  /** Started by POST …/{name}/verifications. */
  readonly verificationStateMachine: sfn.StateMachine;
  /** The External ID rotation workflow: started by POST …/rotations, its task token answered by …/complete. */
  readonly rotationStateMachine: sfn.StateMachine;
}

export class OnboardingApi extends Construct {
  readonly api: apigw.RestApi;
  readonly handler: OnboardingFunction;

  constructor(scope: Construct, id: string, props: OnboardingApiProps) {
    super(scope, id);
    const { config, registry } = props;

    this.handler = startOnboardingFunction(this, 'Api', {
      name: 'api',
      description: 'Providers API: registers providers, starts onboarding, reports status',
      config,
      registry,
      stateMachine: props.stateMachine,
      environment: {
        CLUSTER_IDENTITY_DURATION_SECONDS: String(config.clusterIdentityDurationSeconds),
        CLUSTER_IDENTITY_SOURCE_KIND: config.clusterIdentitySourceKind,
        CLUSTER_IDENTITY_SOURCE_NAME: config.clusterIdentitySourceName,
        WORKSPACE_NAMESPACES: JSON.stringify(config.workspaceNamespaces),
        VERIFICATION_STATE_MACHINE_ARN: props.verificationStateMachine.stateMachineArn,
        ROTATION_STATE_MACHINE_ARN: props.rotationStateMachine.stateMachineArn,
        ROTATION_GRACE_SECONDS: String(config.rotationGraceSeconds),
      },
    });
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'StartVerification',
        actions: ['states:StartExecution'],
        resources: [props.verificationStateMachine.stateMachineArn],
      }),
    );
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'StartAndConfirmRotations',
        actions: ['states:StartExecution', 'states:SendTaskSuccess'],
        resources: [props.rotationStateMachine.stateMachineArn],
      }),
    );
    this.handler.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ListProvidersByWorkspace',
        actions: ['dynamodb:Query'],
        resources: [registry.tableArn, registry.byWorkspaceIndexArn],
      }),
    );

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new apigw.RestApi(this, 'RestApi', {
      restApiName: 'capa-provider-onboarding',
      description: 'CAPA provider onboarding (SigV4-signed requests only)',
      // Callers are portals and automation in AWS, not browsers around the world.
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'prod',
        accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields({
          caller: true,
          httpMethod: true,
          ip: true,
          protocol: true,
          requestTime: true,
          resourcePath: true,
          responseLength: true,
          status: true,
          user: true,
        }),
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.INFO,
        // Request bodies carry External IDs: keep them out of execution logs.
        dataTraceEnabled: false,
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
      },
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
    });

    this.api.addGatewayResponse('BadRequestBody', {
      type: apigw.ResponseType.BAD_REQUEST_BODY,
      templates: { 'application/json': VALIDATION_ERROR_TEMPLATE },
    });
    this.api.addGatewayResponse('BadRequestParameters', {
      type: apigw.ResponseType.BAD_REQUEST_PARAMETERS,
      templates: { 'application/json': VALIDATION_ERROR_TEMPLATE },
    });
    this.api.addGatewayResponse('Default4xx', {
      type: apigw.ResponseType.DEFAULT_4XX,
      templates: { 'application/json': GATEWAY_ERROR_TEMPLATE },
    });
    this.api.addGatewayResponse('Default5xx', {
      type: apigw.ResponseType.DEFAULT_5XX,
      templates: { 'application/json': GATEWAY_ERROR_TEMPLATE },
    });

    const validator = this.api.addRequestValidator('RequestValidator', {
      requestValidatorName: 'body-and-parameters',
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const providerRequest = this.api.addModel('ProviderRequest', {
      contentType: 'application/json',
      modelName: 'ProviderRequest',
      schema: PROVIDER_REQUEST_MODEL,
    });

    // allowTestInvoke off: the console's test button would need a second permission per method.
    const integration = new apigw.LambdaIntegration(this.handler.function, { proxy: true, allowTestInvoke: false });
    const iamAuth = { authorizationType: apigw.AuthorizationType.IAM } as const;

    const workspacePath = { 'method.request.path.workspace': true };
    const providerPath = { ...workspacePath, 'method.request.path.name': true };
    // Every route sits under /workspaces/{workspace}/providers, so execute-api:Invoke on
    // <api>/<stage>/<METHOD>/workspaces/<workspace>/* grants one workspace (README: API).
    const methods: Array<{ method: string; path: string; options: apigw.MethodOptions }> = [
      { method: 'POST', path: PROVIDERS, options: { requestParameters: workspacePath, requestModels: { 'application/json': providerRequest } } },
      {
        method: 'GET',
        path: PROVIDERS,
        options: {
          requestParameters: {
            ...workspacePath,
            'method.request.querystring.limit': false,
            'method.request.querystring.nextToken': false,
            'method.request.querystring.status': false,
            'method.request.querystring.includeDeleted': false,
          },
        },
      },
      { method: 'GET', path: PROVIDER, options: { requestParameters: providerPath } },
      { method: 'DELETE', path: PROVIDER, options: { requestParameters: { ...providerPath, 'method.request.querystring.force': false } } },
      { method: 'GET', path: CLUSTER_IDENTITY, options: { requestParameters: providerPath } },
      { method: 'POST', path: VERIFICATIONS, options: { requestParameters: providerPath } },
      { method: 'POST', path: ROTATIONS, options: { requestParameters: providerPath } },
      { method: 'POST', path: ROTATION_COMPLETION, options: { requestParameters: { ...providerPath, 'method.request.path.rotationId': true } } },
      // Outside /workspaces/…: a workspace grant never reaches the fleet's summary.
      { method: 'GET', path: LATEST_SWEEP, options: {} },
      { method: 'POST', path: ROLLOUTS, options: {} },
      { method: 'GET', path: LATEST_ROLLOUT, options: {} },
      { method: 'GET', path: ROLLOUT, options: { requestParameters: { 'method.request.path.rolloutId': true } } },
    ];
    for (const { method, path, options } of methods) {
      resourceAt(this.api.root, path).addMethod(method, integration, { ...iamAuth, requestValidator: validator, ...options });
    }
  }
}

/** The resource at `path` below `root`, adding the segments that do not exist yet. */
function resourceAt(root: apigw.IResource, path: string): apigw.IResource {
  return path
    .split('/')
    .filter((segment) => segment !== '')
    .reduce((resource, segment) => resource.getResource(segment) ?? resource.addResource(segment), root);
}
