// The REST API route table the deployer builds from AWS::ApiGateway::* resources, and the
// matcher that picks a route for a request the way API Gateway does (literal segments win over
// `{param}`, `{proxy+}` takes the rest, a method beats ANY).

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
