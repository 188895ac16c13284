// CloudFormation types of API Gateway (REST): the RestApi, its Resources, Methods and Stage are
// assembled into one route table per API, registered once the whole template is deployed.
import type { ResourceContext, ResourceHandler } from '../deploy/handler.js';
import { requireString } from '../deploy/properties.js';
import type { RestApiDefinition, RestApiRoute } from './index.js';

/** The API Gateway operation the deployer needs (structural, so tests can pass fakes). */
export interface ApiGatewayDeployTarget {
  /** Receives each REST API's route table once all its methods are known. */
  registerApi(api: RestApiDefinition): void;
}

interface ApiUnderConstruction {
  definition: RestApiDefinition;
  /** Resource id → its path. */
  paths: Map<string, string>;
}

/** The REST APIs of this deployment by id; the first use schedules their registration. */
function restApis(ctx: ResourceContext): Map<string, ApiUnderConstruction> {
  return ctx.shared('apigateway:rest-apis', () => {
    const apis = new Map<string, ApiUnderConstruction>();
    ctx.afterAll(() => {
      for (const api of apis.values()) ctx.targets.apigateway?.registerApi(api.definition);
    });
    return apis;
  });
}

function apiOf(ctx: ResourceContext, restApiId: unknown): ApiUnderConstruction {
  const api = restApis(ctx).get(String(restApiId));
  if (api === undefined) throw new Error(`${ctx.logicalId} belongs to REST API ${String(restApiId)}, which is not in this template`);
  return api;
}

function pathOf(api: ApiUnderConstruction, resourceId: unknown, what: string): string {
  const path = api.paths.get(requireString(resourceId, what));
  if (path === undefined) throw new Error(`resource ${String(resourceId)} not found`);
  return path;
}

const restApi: ResourceHandler = {
  type: 'AWS::ApiGateway::RestApi',
  persistent: false,
  deploy(props, ctx) {
    const id = ctx.stableId(10, { lowercase: true });
    const rootResourceId = ctx.stableId(10, { salt: 'root', lowercase: true });
    restApis(ctx).set(id, {
      definition: { apiId: id, name: typeof props.Name === 'string' ? props.Name : ctx.logicalId, stageName: 'prod', routes: [] },
      paths: new Map([[rootResourceId, '/']]),
    });
    return { physicalId: id, ref: id, attributes: { RestApiId: id, RootResourceId: rootResourceId } };
  },
};

const resource: ResourceHandler = {
  type: 'AWS::ApiGateway::Resource',
  persistent: false,
  deploy(props, ctx) {
    const id = ctx.stableId(6, { lowercase: true });
    const api = apiOf(ctx, props.RestApiId);
    const parentPath = pathOf(api, props.ParentId, `${ctx.logicalId}.ParentId`);
    api.paths.set(id, `${parentPath === '/' ? '' : parentPath}/${requireString(props.PathPart, `${ctx.logicalId}.PathPart`)}`);
    return { physicalId: id, ref: id, attributes: { ResourceId: id } };
  },
};

const method: ResourceHandler = {
  type: 'AWS::ApiGateway::Method',
  persistent: false,
  deploy(props, ctx) {
    const api = apiOf(ctx, props.RestApiId);
    const resourcePath = pathOf(api, props.ResourceId, `${ctx.logicalId}.ResourceId`);
    const integration = (props.Integration ?? {}) as Record<string, unknown>;
    const uri = typeof integration.Uri === 'string' ? integration.Uri : '';
    const functionArn = /\/functions\/(arn:[^/]+)\/invocations/.exec(uri)?.[1];
    const route: RestApiRoute = {
      httpMethod: requireString(props.HttpMethod, `${ctx.logicalId}.HttpMethod`).toUpperCase(),
      resourcePath,
      authorizationType: typeof props.AuthorizationType === 'string' ? props.AuthorizationType : 'NONE',
      integrationType: typeof integration.Type === 'string' ? integration.Type : 'MOCK',
      ...(functionArn !== undefined ? { functionArn } : {}),
    };
    api.definition.routes.push(route);
    return ctx.genericIdentity();
  },
};

const stage: ResourceHandler = {
  type: 'AWS::ApiGateway::Stage',
  persistent: false,
  deploy(props, ctx) {
    const stageName = typeof props.StageName === 'string' ? props.StageName : 'prod';
    apiOf(ctx, props.RestApiId).definition.stageName = stageName;
    return { physicalId: stageName, ref: stageName, attributes: {} };
  },
};

const deployment: ResourceHandler = {
  type: 'AWS::ApiGateway::Deployment',
  persistent: false,
  deploy(props, ctx) {
    // A deployment snapshots the API in AWS; locally the routes are live, only its stage name matters.
    if (typeof props.StageName === 'string') apiOf(ctx, props.RestApiId).definition.stageName = props.StageName;
    const id = ctx.stableId(6, { lowercase: true });
    return { physicalId: id, ref: id, attributes: { DeploymentId: id }, skipped: true };
  },
};

export const apiGatewayResourceHandlers: ResourceHandler[] = [restApi, resource, method, stage, deployment];
