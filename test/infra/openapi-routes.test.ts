// docs/openapi.json describes exactly the routes the synthesized stack serves: a route added to
// the stack without the document, or documented but not deployed, fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { documentedRoutes, OPENAPI_FILE } from '../../scripts/openapi.js';
import { synth } from './synth.js';

type Resources = ReturnType<typeof synth>['resources'];

/** `METHOD /path` of every AWS::ApiGateway::Method, its path rebuilt from the resource tree. */
function deployedRoutes(resources: Resources): string[] {
  const pathOf = (id: unknown): string => {
    const logicalId = (id as { Ref?: string }).Ref;
    const resource = logicalId === undefined ? undefined : resources[logicalId];
    if (resource?.Type !== 'AWS::ApiGateway::Resource') return '';
    return `${pathOf(resource.Properties?.ParentId)}/${String(resource.Properties?.PathPart)}`;
  };
  return Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::ApiGateway::Method')
    .map((method) => `${String(method.Properties?.HttpMethod)} ${pathOf(method.Properties?.ResourceId) || '/'}`)
    .sort();
}

describe('the OpenAPI document and the stack', () => {
  it('name the same routes, method for method', () => {
    // Prepare
    const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));

    // Act
    const deployed = deployedRoutes(synth().resources);
    const documented = documentedRoutes(document);

    // Assess
    expect(deployed).toEqual([
      'DELETE /workspaces/{workspace}/providers/{name}',
      'GET /fleet/rollouts/latest',
      'GET /fleet/rollouts/{rolloutId}',
      'GET /fleet/sweeps/latest',
      'GET /workspaces/{workspace}/providers',
      'GET /workspaces/{workspace}/providers/{name}',
      'GET /workspaces/{workspace}/providers/{name}/cluster-identity',
      'POST /fleet/rollouts',
      'POST /workspaces/{workspace}/providers',
      'POST /workspaces/{workspace}/providers/{name}/rotations',
      'POST /workspaces/{workspace}/providers/{name}/rotations/{rotationId}/complete',
      'POST /workspaces/{workspace}/providers/{name}/verifications',
    ]);
    expect(documented).toEqual(deployed);
  });

  it('declares IAM auth for the document as the stack does for every method', () => {
    // Prepare
    const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));

    // Act
    const authorizations = Object.values(synth().resources)
      .filter((resource) => resource.Type === 'AWS::ApiGateway::Method')
      .map((method) => method.Properties?.AuthorizationType);

    // Assess
    expect(new Set(authorizations)).toEqual(new Set(['AWS_IAM']));
    expect(document.security).toEqual([{ sigv4: [] }]);
    expect(document.components.securitySchemes.sigv4).toEqual({
      type: 'apiKey',
      name: 'Authorization',
      in: 'header',
      'x-amazon-apigateway-authtype': 'awsSigv4',
    });
  });
});
