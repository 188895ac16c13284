// The POST …/rotations body, validated by the API with the other request schemas.
import { describe, expect, it } from 'vitest';
import { parseRotationBody } from '../../../../functions/shared/domain/provider-request.js';

describe('parseRotationBody', () => {
  it('takes an empty body or a valid externalId, and names each invalid or unknown field', () => {
    // Act
    const results = [{}, { externalId: 'abc=,.@:/-_' }, { externalId: 'x' }, { externalId: 'valid-id', roleName: 'r' }, []].map(parseRotationBody);

    // Assess
    expect(results).toEqual([
      { ok: true, body: {} },
      { ok: true, body: { externalId: 'abc=,.@:/-_' } },
      { ok: false, issues: [{ field: 'externalId', issue: 'externalId must be 2-1224 characters of letters, digits and +=,.@:/_-' }] },
      { ok: false, issues: [{ field: 'roleName', issue: 'unknown field' }] },
      { ok: false, issues: [{ field: 'body', issue: 'the body must be a JSON object' }] },
    ]);
  });
});
