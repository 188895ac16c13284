// The api function's route table serves exactly the routes docs/openapi.json describes (which
// test/infra/openapi-routes.test.ts ties to the stack), each once.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiRoute } from '../../../functions/api/routes/route.js';
import { documentedRoutes, OPENAPI_FILE } from '../../../scripts/openapi.js';
import { API_ENVIRONMENT } from '../../support/api-events.js';

let routes: readonly ApiRoute[];

beforeAll(async () => {
  Object.assign(process.env, API_ENVIRONMENT);
  ({ ROUTES: routes } = await import('../../../functions/api/routes/index.js'));
});

describe('the route table', () => {
  it('has one handler per documented route and no other', () => {
    // Prepare
    const document = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));

    // Act
    const served = routes.map((route) => `${route.method} ${route.resource}`).sort();

    // Assess
    expect(served).toEqual([
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
    expect(served).toEqual(documentedRoutes(document));
  });
});
