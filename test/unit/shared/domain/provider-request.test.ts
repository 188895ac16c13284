// The API's request check, written by hand in place of a schema library: the issues it reports and
// their order are part of the API contract (docs/CONTRACTS.md, VALIDATION_FAILED details).
import { describe, expect, it } from 'vitest';
import { parseProviderRequest } from '../../../../functions/shared/domain/provider-request.js';

describe('parseProviderRequest', () => {
  it('reports field issues in the order of the fields, then each unknown field in the order sent', () => {
    // Prepare
    const body = { zz: 1, workspace: 'A', name: 'b', accountId: '1', externalId: 'x', roleName: '', trustEc2: 'yes', foo: 1 };

    // Act
    const result = parseProviderRequest(body);

    // Assess
    expect(result).toEqual({
      ok: false,
      issues: [
        { field: 'workspace', issue: 'workspace must be 1-63 lower-case letters, digits or hyphens, starting and ending alphanumeric' },
        { field: 'accountId', issue: 'accountId must be 12 digits' },
        { field: 'externalId', issue: 'externalId must be 2-1224 characters of letters, digits and +=,.@:/_-' },
        { field: 'roleName', issue: 'roleName must be 1-64 characters of letters, digits and +=,.@_-' },
        { field: 'trustEc2', issue: 'trustEc2 must be a boolean' },
        { field: 'zz', issue: 'unknown field' },
        { field: 'foo', issue: 'unknown field' },
      ],
    });
  });

  it('names each missing or non-string required field and checks no pattern on it', () => {
    // Act
    const result = parseProviderRequest({ workspace: 1, name: 'x' });

    // Assess
    expect(result).toEqual({
      ok: false,
      issues: [
        { field: 'workspace', issue: 'workspace is required and must be a string' },
        { field: 'accountId', issue: 'accountId is required and must be a string' },
      ],
    });
  });

  it.each([
    ['an array', []],
    ['null', null],
    ['a string', 'payments'],
    ['a number', 5],
  ])('refuses %s as the body', (_label, body) => {
    // Act
    const result = parseProviderRequest(body);

    // Assess
    expect(result).toEqual({ ok: false, issues: [{ field: 'body', issue: 'the body must be a JSON object' }] });
  });

  it('takes an optional field sent as null as a wrong type, not as absent', () => {
    // Act
    const result = parseProviderRequest({ workspace: 'a', name: 'b', accountId: '123456789012', trustEc2: null });

    // Assess
    expect(result).toEqual({ ok: false, issues: [{ field: 'trustEc2', issue: 'trustEc2 must be a boolean' }] });
  });

  it('treats a __proto__ key of a parsed JSON body as an unknown field', () => {
    // Prepare
    const body: unknown = JSON.parse('{"workspace":"a","name":"b","accountId":"123456789012","__proto__":{"admin":true}}');

    // Act
    const result = parseProviderRequest(body);

    // Assess
    expect(result).toEqual({ ok: false, issues: [{ field: '__proto__', issue: 'unknown field' }] });
  });

  it('returns the known fields of a valid request, in the order of the fields', () => {
    // Act
    const result = parseProviderRequest({ trustEc2: false, roleName: 'r', externalId: 'abc', accountId: '123456789012', name: 'b', workspace: 'a' });

    // Assess
    expect(result).toEqual({
      ok: true,
      request: { workspace: 'a', name: 'b', accountId: '123456789012', externalId: 'abc', roleName: 'r', trustEc2: false },
    });
    expect(Object.keys((result as { request: object }).request)).toEqual(['workspace', 'name', 'accountId', 'externalId', 'roleName', 'trustEc2']);
  });
});
