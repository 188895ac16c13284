import { describe, expect, it } from 'vitest';
import {
  deriveRoleName,
  executionArnOf,
  executionNameOf,
  parseProviderId,
  providerIdOf,
} from '../../functions/shared/domain/provider.js';
import { parseProviderRequest } from '../../functions/shared/domain/provider-request.js';
import { externalIdFingerprint, generateExternalId, isValidExternalId } from '../../functions/shared/domain/external-id.js';

describe('provider request', () => {
  it('accepts a minimal request', () => {
    const result = parseProviderRequest({ workspace: 'payments', name: 'dev', accountId: '123456789012' });
    expect(result).toEqual({ ok: true, request: { workspace: 'payments', name: 'dev', accountId: '123456789012' } });
  });

  it('names every offending field', () => {
    // Act
    const result = parseProviderRequest({
      workspace: 'Payments',
      name: '',
      accountId: '1234',
      externalId: 'a',
      roleName: 'x'.repeat(65),
      trustEc2: 'yes',
      extra: 1,
    });

    // Assess
    expect(result.ok).toBe(false);
    const fields = result.ok ? [] : result.issues.map((issue) => issue.field).sort();
    expect(fields).toEqual(['accountId', 'externalId', 'extra', 'name', 'roleName', 'trustEc2', 'workspace']);
  });

  it('reports missing fields and a non-object body', () => {
    const missing = parseProviderRequest({});
    expect(missing.ok ? [] : missing.issues.map((issue) => issue.field).sort()).toEqual(['accountId', 'name', 'workspace']);
    const array = parseProviderRequest([1]);
    expect(array.ok ? [] : array.issues).toEqual([{ field: 'body', issue: 'the body must be a JSON object' }]);
  });
});

describe('identity and names', () => {
  it('derives the same providerId for the same workspace and name, and parses it back', () => {
    expect(providerIdOf('payments', 'dev')).toBe('payments.dev');
    expect(parseProviderId('payments.dev')).toEqual({ workspace: 'payments', name: 'dev' });
    expect(parseProviderId('payments')).toBeUndefined();
    expect(parseProviderId('a.b.c')).toBeUndefined();
  });

  it('keeps derived role names within 64 characters, distinct for distinct providers', () => {
    // Prepare
    const long = 'a'.repeat(63);

    // Act
    const first = deriveRoleName('capa-', long, `${'b'.repeat(62)}1`);
    const second = deriveRoleName('capa-', long, `${'b'.repeat(62)}2`);

    // Assess
    expect(deriveRoleName('capa-', 'payments', 'dev')).toBe('capa-payments-dev');
    expect(first.length).toBeLessThanOrEqual(64);
    expect(first).toMatch(/^[\w+=,.@-]+$/);
    expect(first).not.toBe(second);
  });

  it('makes execution names that Step Functions accepts and that list a provider’s runs by prefix', () => {
    const name = executionNameOf('payments', 'dev', 3);
    expect(name).toBe('payments_dev_3');
    const long = executionNameOf('a'.repeat(63), 'b'.repeat(63), 12);
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^[A-Za-z0-9_-]+_12$/);
    expect(executionArnOf('arn:aws:states:us-east-1:1:stateMachine:M', name)).toBe('arn:aws:states:us-east-1:1:execution:M:payments_dev_3');
  });
});

describe('External ID', () => {
  it('generates unpredictable IDs of at least 32 valid characters', () => {
    const ids = new Set(Array.from({ length: 100 }, generateExternalId));
    expect(ids.size).toBe(100);
    for (const id of ids) {
      expect(id.length).toBeGreaterThanOrEqual(32);
      expect(isValidExternalId(id)).toBe(true);
    }
  });

  it('validates the IAM alphabet and length', () => {
    expect(isValidExternalId('ab')).toBe(true);
    expect(isValidExternalId('a')).toBe(false);
    expect(isValidExternalId('a'.repeat(1225))).toBe(false);
    expect(isValidExternalId('with space')).toBe(false);
    expect(isValidExternalId('ok+=,.@:/-_')).toBe(true);
  });

  it('fingerprints without revealing the value', () => {
    const fingerprint = externalIdFingerprint('secret-external-id');
    expect(fingerprint).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(fingerprint).not.toContain('secret');
  });
});
