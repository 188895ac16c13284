// The route model of the local API Gateway: the REST API route table the deployer builds from
// AWS::ApiGateway::* resources, the matcher that picks a route for a request the way API Gateway
// does (literal segments win over `{param}`, `{proxy+}` takes the rest, a method beats ANY), and
// the registry of deployed APIs that tells which API and stage a request addresses.

export interface RestApiRoute {
  /** GET, POST, ... or ANY. */
  httpMethod: string;
  /** Resource path as API Gateway shows it, e.g. /providers/{providerId}. */
  resourcePath: string;
  /** NONE, AWS_IAM, COGNITO_USER_POOLS, CUSTOM. */
  authorizationType: string;
  /** AWS_PROXY, MOCK, ... */
  integrationType: string;
  /** For Lambda integrations: the function ARN taken from the integration URI. */
  functionArn?: string;
}

export interface RestApiDefinition {
  apiId: string;
  name: string;
  stageName: string;
  routes: RestApiRoute[];
}

export interface RouteMatch {
  route: RestApiRoute;
  pathParameters: Record<string, string>;
}

function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/** Specificity of a route for sorting: literal > {param} > {proxy+}, then exact method > ANY. */
function score(route: RestApiRoute): number[] {
  return segmentsOf(route.resourcePath).map((segment) => (segment.endsWith('+}') ? 0 : segment.startsWith('{') ? 1 : 2));
}

function matchPath(resourcePath: string, requestPath: string): Record<string, string> | undefined {
  const pattern = segmentsOf(resourcePath);
  const actual = segmentsOf(requestPath);
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    const segment = pattern[i]!;
    if (segment.startsWith('{') && segment.endsWith('+}')) {
      if (i >= actual.length) return undefined;
      params[segment.slice(1, -2)] = actual.slice(i).map(decodeSegment).join('/');
      return params;
    }
    const value = actual[i];
    if (value === undefined) return undefined;
    if (segment.startsWith('{') && segment.endsWith('}')) params[segment.slice(1, -1)] = decodeSegment(value);
    else if (segment !== decodeSegment(value)) return undefined;
  }
  return pattern.length === actual.length ? params : undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Finds the route for METHOD path, or undefined (API Gateway then answers 403 Missing Authentication Token). */
export function matchRoute(routes: RestApiRoute[], httpMethod: string, path: string): RouteMatch | undefined {
  const candidates: Array<RouteMatch & { rank: number[] }> = [];
  for (const route of routes) {
    if (route.httpMethod !== 'ANY' && route.httpMethod !== httpMethod.toUpperCase()) continue;
    const pathParameters = matchPath(route.resourcePath, path);
    if (pathParameters === undefined) continue;
    candidates.push({ route, pathParameters, rank: [...score(route), route.httpMethod === 'ANY' ? 0 : 1] });
  }
  candidates.sort((a, b) => {
    for (let i = 0; i < Math.max(a.rank.length, b.rank.length); i += 1) {
      const diff = (b.rank[i] ?? -1) - (a.rank[i] ?? -1);
      if (diff !== 0) return diff;
    }
    return 0;
  });
  const best = candidates[0];
  return best === undefined ? undefined : { route: best.route, pathParameters: best.pathParameters };
}

/** Where a request goes: the API, its stage, and the path within the stage. */
export interface RouteTarget {
  api: RestApiDefinition;
  stage: string;
  path: string;
}

/** The deployed REST APIs, by id. */
export class RestApiRegistry {
  private readonly apis = new Map<string, RestApiDefinition>();

  /** Adds or replaces a REST API (the deployer calls this on every deploy). */
  register(api: RestApiDefinition): void {
    this.apis.set(api.apiId, { ...api, routes: [...api.routes] });
  }

  list(): RestApiDefinition[] {
    return [...this.apis.values()];
  }

  /**
   * Which API and stage a request addresses, and its path within the stage. Accepted forms:
   * `/restapis/{apiId}/{stage}/_user_request_/path`, Host `{apiId}.execute-api...`, or, for the
   * (first) deployed API, `/{stage}/path` and plain `/path`.
   */
  resolveTarget(host: string | undefined, rawPath: string): RouteTarget | undefined {
    const explicit = /^\/restapis\/([^/]+)\/([^/]+)\/_user_request_(\/.*)?$/.exec(rawPath);
    if (explicit !== null) {
      const api = this.apis.get(explicit[1]!);
      return api === undefined ? undefined : { api, stage: explicit[2]!, path: explicit[3] ?? '/' };
    }
    const byHost = host !== undefined ? this.apis.get(host.split('.')[0] ?? '') : undefined;
    const api = byHost ?? this.apis.values().next().value;
    if (api === undefined) return undefined;
    const stagePrefix = `/${api.stageName}`;
    if (rawPath === stagePrefix || rawPath.startsWith(`${stagePrefix}/`)) {
      return { api, stage: api.stageName, path: rawPath.slice(stagePrefix.length) || '/' };
    }
    return { api, stage: api.stageName, path: rawPath };
  }
}
