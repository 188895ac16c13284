import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AwsServiceError } from '../../../local/core/types.js';
import { matchesPattern, validatePattern } from '../../../local/events/pattern.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

// The project's real new-account rules (docs/CONTRACTS.md).
const ORGANIZATIONS_RULE = {
  source: ['aws.organizations'],
  'detail-type': ['AWS Service Event via CloudTrail'],
  detail: {
    eventName: ['CreateAccountResult'],
    serviceEventDetails: { createAccountStatus: { state: ['SUCCEEDED'] } },
  },
};
const CONTROL_TOWER_RULE = {
  source: ['aws.controltower'],
  'detail-type': ['AWS Service Event via CloudTrail'],
  detail: {
    eventName: ['CreateManagedAccount', 'UpdateManagedAccount'],
    $or: [
      { serviceEventDetails: { createManagedAccountStatus: { state: ['SUCCEEDED'] } } },
      { serviceEventDetails: { updateManagedAccountStatus: { state: ['SUCCEEDED'] } } },
    ],
  },
};

/** A copy of `event` with a nested field replaced. */
function withState(event: Record<string, unknown>, statusKey: string, state: string): Record<string, unknown> {
  const copy = structuredClone(event) as { detail: { serviceEventDetails: Record<string, { state: string }> } };
  (copy.detail.serviceEventDetails[statusKey] as { state: string }).state = state;
  return copy as unknown as Record<string, unknown>;
}

function invalidReason(pattern: unknown): string {
  try {
    validatePattern(pattern);
  } catch (error) {
    expect(error).toBeInstanceOf(AwsServiceError);
    expect((error as AwsServiceError).code).toBe('InvalidEventPatternException');
    return (error as AwsServiceError).message;
  }
  throw new Error('pattern was accepted');
}

describe('project rules against the fixture events', () => {
  const organizations = fixture('organizations-create-account-result');
  const ctCreate = fixture('controltower-create-managed-account');
  const ctUpdate = fixture('controltower-update-managed-account');

  it('Organizations rule matches a SUCCEEDED CreateAccountResult only', () => {
    // Prepare
    const failed = withState(organizations, 'createAccountStatus', 'FAILED');
    // Act
    const results = [organizations, failed, ctCreate, ctUpdate].map((e) => matchesPattern(ORGANIZATIONS_RULE, e));
    // Assess
    expect(results).toEqual([true, false, false, false]);
  });

  it('Control Tower rule matches SUCCEEDED create and update, not FAILED, not Organizations', () => {
    // Prepare
    const createFailed = withState(ctCreate, 'createManagedAccountStatus', 'FAILED');
    const updateFailed = withState(ctUpdate, 'updateManagedAccountStatus', 'FAILED');
    // Act
    const results = [ctCreate, ctUpdate, createFailed, updateFailed, organizations].map((e) =>
      matchesPattern(CONTROL_TOWER_RULE, e),
    );
    // Assess
    expect(results).toEqual([true, true, false, false, false]);
  });

  it('Control Tower rule requires the status that belongs to a listed event name', () => {
    // Prepare: a SUCCEEDED status under another event name
    const other = structuredClone(ctCreate) as { detail: { eventName: string } };
    other.detail.eventName = 'DeregisterOrganizationalUnit';
    // Act
    const matched = matchesPattern(CONTROL_TOWER_RULE, other);
    // Assess
    expect(matched).toBe(false);
  });
});

describe('exact values', () => {
  const event = {
    source: 'app',
    'detail-type': 'Thing',
    account: '000000000000',
    region: 'us-east-1',
    resources: ['arn:aws:s3:::a', 'arn:aws:s3:::b'],
    detail: { n: 3, flag: true, nothing: null, empty: '', tags: ['x', 'y'], nested: { deep: 'v' } },
  };

  it.each([
    [{ source: ['app'] }, true],
    [{ source: ['other', 'app'] }, true],
    [{ source: ['other'] }, false],
    [{ source: ['App'] }, false],
    [{ account: ['000000000000'], region: ['us-east-1'] }, true],
    [{ region: ['eu-west-1'] }, false],
    [{ resources: ['arn:aws:s3:::b'] }, true],
    [{ resources: ['arn:aws:s3:::c'] }, false],
    [{ detail: { n: [3] } }, true],
    [{ detail: { n: ['3'] } }, false],
    [{ detail: { flag: [true] } }, true],
    [{ detail: { flag: ['true'] } }, false],
    [{ detail: { nothing: [null] } }, true],
    [{ detail: { nothing: [''] } }, false],
    [{ detail: { empty: [''] } }, true],
    [{ detail: { empty: [null] } }, false],
    [{ detail: { tags: ['y'] } }, true],
    [{ detail: { tags: ['z'] } }, false],
    [{ detail: { nested: { deep: ['v'] } } }, true],
    [{ detail: { nested: { deep: ['w'] } } }, false],
    [{ detail: { missing: ['v'] } }, false],
    [{ source: ['app'], detail: { n: [4] } }, false],
  ])('%j -> %s', (pattern, expected) => {
    // Prepare: the event above
    // Act
    const matched = matchesPattern(pattern, event);
    // Assess
    expect(matched).toBe(expected);
  });

  it('an array of objects matches element by element', () => {
    // Prepare
    const event2 = { detail: { items: [{ a: 1, b: 'x' }, { a: 2, b: 'y' }] } };
    // Act
    const sameElement = matchesPattern({ detail: { items: { a: [2], b: ['y'] } } }, event2);
    const acrossElements = matchesPattern({ detail: { items: { a: [1], b: ['y'] } } }, event2);
    // Assess
    expect(sameElement).toBe(true);
    expect(acrossElements).toBe(false);
  });
});

describe('content filters', () => {
  const event = {
    source: 'com.example.orders',
    detail: {
      name: 'Order-Created.v2',
      price: 12.5,
      count: 3,
      ip: '10.0.1.17',
      ip6: '2001:db8::1',
      tags: ['blue', 'red'],
      label: null,
    },
  };

  it.each([
    ['prefix hit', { source: [{ prefix: 'com.example.' }] }, true],
    ['prefix miss', { source: [{ prefix: 'org.' }] }, false],
    ['prefix ignore case', { detail: { name: [{ prefix: { 'equals-ignore-case': 'order-' } }] } }, true],
    ['prefix is case sensitive', { detail: { name: [{ prefix: 'order-' }] } }, false],
    ['prefix never matches numbers', { detail: { count: [{ prefix: '3' }] } }, false],
    ['suffix hit', { detail: { name: [{ suffix: '.v2' }] } }, true],
    ['suffix miss', { detail: { name: [{ suffix: '.v3' }] } }, false],
    ['suffix ignore case', { detail: { name: [{ suffix: { 'equals-ignore-case': '.V2' } }] } }, true],
    ['equals-ignore-case hit', { detail: { name: [{ 'equals-ignore-case': 'ORDER-CREATED.V2' }] } }, true],
    ['equals-ignore-case miss', { detail: { name: [{ 'equals-ignore-case': 'order-created' }] } }, false],
    ['wildcard hit', { detail: { name: [{ wildcard: 'Order-*.v*' }] } }, true],
    ['wildcard anchored', { detail: { name: [{ wildcard: 'Created*' }] } }, false],
    ['wildcard dot is literal', { detail: { name: [{ wildcard: 'Order-Created?v2' }] } }, false],
    ['wildcard escaped star', { detail: { name: [{ wildcard: 'Order\\*' }] } }, false],
    ['anything-but value', { source: [{ 'anything-but': 'other' }] }, true],
    ['anything-but same value', { source: [{ 'anything-but': 'com.example.orders' }] }, false],
    ['anything-but list', { detail: { count: [{ 'anything-but': [1, 2, 3] }] } }, false],
    ['anything-but list miss', { detail: { count: [{ 'anything-but': [1, 2] }] } }, true],
    ['anything-but prefix', { source: [{ 'anything-but': { prefix: 'com.' } }] }, false],
    ['anything-but prefix other', { source: [{ 'anything-but': { prefix: 'org.' } }] }, true],
    ['anything-but suffix', { detail: { name: [{ 'anything-but': { suffix: '.v2' } }] } }, false],
    ['anything-but ignore case', { detail: { name: [{ 'anything-but': { 'equals-ignore-case': ['order-created.V2'] } }] } }, false],
    ['anything-but wildcard', { detail: { name: [{ 'anything-but': { wildcard: '*.v1' } }] } }, true],
    ['anything-but needs a value', { detail: { missing: [{ 'anything-but': 'x' }] } }, false],
    ['anything-but on arrays: any element', { detail: { tags: [{ 'anything-but': 'blue' }] } }, true],
    ['anything-but on arrays: all excluded', { detail: { tags: [{ 'anything-but': ['blue', 'red'] }] } }, false],
    ['exists true', { detail: { price: [{ exists: true }] } }, true],
    ['exists true on null value', { detail: { label: [{ exists: true }] } }, true],
    ['exists false on present', { detail: { price: [{ exists: false }] } }, false],
    ['exists false on missing', { detail: { discount: [{ exists: false }] } }, true],
    ['exists false under a missing parent', { detail: { coupon: { code: [{ exists: false }] } } }, true],
    ['exists true on an object is false (leaves only)', { detail: [{ exists: true }] }, false],
    ['numeric range hit', { detail: { price: [{ numeric: ['>', 0, '<=', 12.5] }] } }, true],
    ['numeric range miss', { detail: { price: [{ numeric: ['>', 0, '<', 12.5] }] } }, false],
    ['numeric equals', { detail: { count: [{ numeric: ['=', 3] }] } }, true],
    ['numeric >=', { detail: { count: [{ numeric: ['>=', 4] }] } }, false],
    ['numeric ignores strings', { detail: { ip: [{ numeric: ['>', 0] }] } }, false],
    ['cidr v4 hit', { detail: { ip: [{ cidr: '10.0.0.0/16' }] } }, true],
    ['cidr v4 miss', { detail: { ip: [{ cidr: '10.1.0.0/16' }] } }, false],
    ['cidr v6 hit', { detail: { ip6: [{ cidr: '2001:db8::/32' }] } }, true],
    ['OR across matcher kinds', { detail: { price: ['cheap', { numeric: ['>', 10] }] } }, true],
    ['exists false OR value', { detail: { discount: [{ exists: false }, 5] } }, true],
  ])('%s', (_name, pattern, expected) => {
    // Prepare: the event above
    // Act
    const matched = matchesPattern(pattern, event);
    // Assess
    expect(matched).toBe(expected);
  });

  it('exists false matches an empty array', () => {
    // Prepare
    const ev = { detail: { items: [] } };
    // Act
    const absent = matchesPattern({ detail: { items: [{ exists: false }] } }, ev);
    const present = matchesPattern({ detail: { items: [{ exists: true }] } }, ev);
    // Assess
    expect(absent).toBe(true);
    expect(present).toBe(false);
  });
});

describe('$or', () => {
  it('works at the top level and combines with sibling fields (AND)', () => {
    // Prepare
    const pattern = { source: ['a'], $or: [{ 'detail-type': ['X'] }, { detail: { level: [{ numeric: ['>', 5] }] } }] };
    // Act
    const byType = matchesPattern(pattern, { source: 'a', 'detail-type': 'X', detail: { level: 1 } });
    const byLevel = matchesPattern(pattern, { source: 'a', 'detail-type': 'Y', detail: { level: 9 } });
    const neither = matchesPattern(pattern, { source: 'a', 'detail-type': 'Y', detail: { level: 1 } });
    const wrongSource = matchesPattern(pattern, { source: 'b', 'detail-type': 'X', detail: {} });
    // Assess
    expect([byType, byLevel, neither, wrongSource]).toEqual([true, true, false, false]);
  });

  it('nests inside $or', () => {
    // Prepare
    const pattern = { detail: { $or: [{ a: ['1'] }, { $or: [{ b: ['2'] }, { c: ['3'] }] }] } };
    // Act
    const viaInner = matchesPattern(pattern, { detail: { c: '3' } });
    const none = matchesPattern(pattern, { detail: { c: '4' } });
    // Assess
    expect(viaInner).toBe(true);
    expect(none).toBe(false);
  });
});

describe('validatePattern', () => {
  it('accepts the project rules and every operator form', () => {
    // Prepare
    const patterns = [
      ORGANIZATIONS_RULE,
      CONTROL_TOWER_RULE,
      {
        detail: {
          a: [{ prefix: 'x' }, { prefix: { 'equals-ignore-case': 'x' } }, { suffix: 'y' }, { 'equals-ignore-case': 'z' }],
          b: [{ wildcard: 'a*b\\*c' }, { exists: false }, { numeric: ['>=', 0, '<', 10] }, { numeric: ['=', 3] }],
          c: [{ 'anything-but': 'x' }, { 'anything-but': [1, 2] }, { 'anything-but': { prefix: 'p' } }, { cidr: '10.0.0.0/8' }],
          d: [null, true, 1.5, ''],
        },
      },
    ];
    // Act
    const act = () => patterns.forEach((p) => validatePattern(p));
    // Assess
    expect(act).not.toThrow();
  });

  it.each([
    ['not an object', ['source'], 'Filter is not an object'],
    ['a bare value', { source: 'aws.organizations' }, 'Match value must be'],
    ['an empty array', { source: [] }, 'Empty arrays are not allowed'],
    ['an empty object', { detail: {} }, 'Empty objects are not allowed'],
    ['a nested array', { source: [['a']] }, 'Nested arrays'],
    ['an unknown operator', { source: [{ prefx: 'a' }] }, 'Unrecognized match type prefx'],
    ['two operators in one object', { source: [{ prefix: 'a', suffix: 'b' }] }, 'exactly one key'],
    ['a non-string prefix', { source: [{ prefix: 5 }] }, '"prefix" match pattern must be a string'],
    ['a non-boolean exists', { source: [{ exists: 'yes' }] }, '"exists"'],
    ['a bad numeric operator', { n: [{ numeric: ['!=', 1] }] }, 'Unrecognized numeric range operator'],
    ['a reversed numeric range', { n: [{ numeric: ['<', 5, '>', 1] }] }, 'lower bound'],
    ['an empty numeric range', { n: [{ numeric: ['>', 5, '<', 1] }] }, 'Bottom must be less than top'],
    ['a non-number in numeric', { n: [{ numeric: ['>', '1'] }] }, 'must be a number'],
    ['consecutive wildcards', { n: [{ wildcard: 'a**' }] }, 'Consecutive wildcard'],
    ['a mixed anything-but list', { n: [{ 'anything-but': ['a', 1] }] }, 'all strings or all numbers'],
    ['anything-but null', { n: [{ 'anything-but': null }] }, 'anything-but'],
    ['a $or with one branch', { $or: [{ a: ['1'] }] }, '"$or" must be an array of at least 2'],
    ['a $or with a non-object', { $or: [{ a: ['1'] }, ['b']] }, '"$or" must contain only pattern objects'],
    ['a malformed cidr', { ip: [{ cidr: '10.0.0.0/33' }] }, 'Malformed CIDR'],
  ])('rejects %s', (_name, pattern, reason) => {
    // Prepare: the pattern above
    // Act
    const message = invalidReason(pattern);
    // Assess
    expect(message).toContain('Event pattern is not valid');
    expect(message).toContain(reason);
  });

  it('matchesPattern refuses an invalid pattern instead of matching nothing', () => {
    // Prepare
    const pattern = { source: 'app' };
    // Act
    const act = () => matchesPattern(pattern, { source: 'app' });
    // Assess
    expect(act).toThrow(/Event pattern is not valid/);
  });
});
