import { describe, expect, it } from 'vitest';
import {
  deriveRoleName,
  executionArnOf,
  executionNameOf,
  parseProviderId,
  providerIdOf,
} from '../../../../functions/shared/domain/provider.js';
import { parseProviderBody } from '../../../../functions/shared/domain/provider-request.js';
import { generateExternalId, isValidExternalId } from '../../../../functions/shared/domain/external-id.js';

describe('provider create body', () => {
  it('accepts a minimal request', () => {
    // Act
    const result = parseProviderBody({ name: 'dev', accountId: '123456789012' });

    // Assess
    expect(result).toEqual({ ok: true, body: { name: 'dev', accountId: '123456789012' } });
  });

  it('names every offending field', () => {
    // Act
    const result = parseProviderBody({
      workspace: 'payments',
      name: '',
      accountId: '1234',
      externalId: 'a',
      roleName: 'x'.repeat(65),
      trustEc2: 'yes',
      extra: 1,
    });

    // Assess
    expect(result).toEqual({
      ok: false,
      issues: [
        { field: 'name', issue: 'name must be 1-63 lower-case letters, digits or hyphens, starting and ending alphanumeric' },
        { field: 'accountId', issue: 'accountId must be 12 digits' },
        { field: 'externalId', issue: 'externalId must be 2-1224 characters of letters, digits and +=,.@:/_-' },
        { field: 'roleName', issue: 'roleName must be 1-64 characters of letters, digits and +=,.@_-' },
        { field: 'trustEc2', issue: 'trustEc2 must be a boolean' },
        { field: 'workspace', issue: 'unknown field' },
        { field: 'extra', issue: 'unknown field' },
      ],
    });
  });

  it('reports missing fields', () => {
    // Act
    const result = parseProviderBody({});

    // Assess
    expect(result).toEqual({
      ok: false,
      issues: [
        { field: 'name', issue: 'name is required and must be a string' },
        { field: 'accountId', issue: 'accountId is required and must be a string' },
      ],
    });
  });

  it('rejects a body that is not an object', () => {
    // Act
    const result = parseProviderBody([1]);

    // Assess
    expect(result).toEqual({ ok: false, issues: [{ field: 'body', issue: 'the body must be a JSON object' }] });
  });
});

describe('identity and names', () => {
  it('derives the same providerId for the same workspace and name, and parses it back', () => {
    // Act
    const providerId = providerIdOf('payments', 'dev');

    // Assess
    expect(providerId).toBe('payments.dev');
    expect(parseProviderId('payments.dev')).toEqual({ workspace: 'payments', name: 'dev' });
  });

  it.each(['payments', 'a.b.c', 'Payments.dev', 'payments.', '.dev'])('refuses %s as a providerId', (providerId) => {
    // Act
    const parsed = parseProviderId(providerId);

    // Assess
    expect(parsed).toBeUndefined();
  });

  it('derives <prefix><workspace>-<name> as the role name while it fits 64 characters', () => {
    // Act
    const short = deriveRoleName('capa-', 'payments', 'dev');
    const longest = deriveRoleName('capa-', 'a'.repeat(29), 'b'.repeat(29));

    // Assess
    expect(short).toBe('capa-payments-dev');
    expect(longest).toBe('capa-aaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
  });

  it('shortens longer role names to 64 characters with a hash, distinct for distinct providers', () => {
    // Prepare
    const workspace = 'a'.repeat(63);

    // Act
    const first = deriveRoleName('capa-', workspace, `${'b'.repeat(62)}1`);
    const second = deriveRoleName('capa-', workspace, `${'b'.repeat(62)}2`);

    // Assess
    expect(first).toBe('capa-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-3d716710');
    expect(second).toBe('capa-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-2d2c6455');
  });

  it('makes execution names that Step Functions accepts and that list a provider’s runs by prefix', () => {
    // Act
    const name = executionNameOf('payments', 'dev', 3);
    const long = executionNameOf('a'.repeat(63), 'b'.repeat(63), 12);

    // Assess
    expect(name).toBe('payments_dev_3');
    expect(long).toBe('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_bb-5034f2a70a_12');
    expect(long).toHaveLength(80);
    expect(executionArnOf('arn:aws:states:us-east-1:1:stateMachine:M', name)).toBe('arn:aws:states:us-east-1:1:execution:M:payments_dev_3');
  });
});

describe('External ID', () => {
  it('generates unpredictable IDs of 43 valid characters', () => {
    // Act
    const ids = new Set(Array.from({ length: 100 }, generateExternalId));

    // Assess
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    { label: '2 characters', value: 'ab', valid: true },
    { label: 'every allowed punctuation', value: 'ok+=,.@:/-_', valid: true },
    { label: '1224 characters', value: 'a'.repeat(1224), valid: true },
    { label: '1 character', value: 'a', valid: false },
    { label: '1225 characters', value: 'a'.repeat(1225), valid: false },
    { label: 'a space', value: 'with space', valid: false },
    { label: 'a semicolon', value: 'semi;colon', valid: false },
  ])('an External ID of $label is valid: $valid (the IAM alphabet and length)', ({ value, valid }) => {
    // Act
    const result = isValidExternalId(value);

    // Assess
    expect(result).toBe(valid);
  });
});
