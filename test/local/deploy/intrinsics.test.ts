import { describe, expect, it } from 'vitest';
import {
  dependencyOrder,
  evaluateConditions,
  IntrinsicError,
  NO_VALUE,
  pseudoParameters,
  referencedLogicalIds,
  resolveValue,
  type ResolveContext,
} from '../../../local/deploy/intrinsics.js';

function context(overrides: Partial<ResolveContext> = {}): ResolveContext {
  const refs: Record<string, string> = { Table: 'Stack-Table-ABC', Fn: 'Stack-Fn-XYZ' };
  const atts: Record<string, Record<string, unknown>> = {
    Table: { Arn: 'arn:aws:dynamodb:us-east-1:000000000000:table/Stack-Table-ABC' },
    Fn: { Arn: 'arn:aws:lambda:us-east-1:000000000000:function:Stack-Fn-XYZ' },
    Db: { 'Endpoint.Address': 'db.local' },
  };
  return {
    pseudo: pseudoParameters({ accountId: '000000000000', region: 'us-east-1', stackName: 'Stack' }),
    parameters: { Env: 'dev', Subnets: ['a', 'b'] },
    conditions: { IsDev: true, IsProd: false },
    mappings: { Sizes: { dev: { Memory: 256 } } },
    ref: (id) => {
      if (!(id in refs)) throw new IntrinsicError(`no ${id}`);
      return refs[id];
    },
    getAtt: (id, attribute) => atts[id]?.[attribute],
    ...overrides,
  };
}

describe('resolveValue', () => {
  it('resolves Ref of resources, parameters and pseudo parameters', () => {
    // Prepare
    const ctx = context();
    // Act
    const value = resolveValue(
      { a: { Ref: 'Table' }, b: { Ref: 'Env' }, c: { Ref: 'AWS::AccountId' }, d: { Ref: 'AWS::Region' }, e: { Ref: 'AWS::Partition' }, f: { Ref: 'AWS::URLSuffix' }, g: { Ref: 'AWS::StackName' } },
      ctx,
    );
    // Assess
    expect(value).toEqual({ a: 'Stack-Table-ABC', b: 'dev', c: '000000000000', d: 'us-east-1', e: 'aws', f: 'amazonaws.com', g: 'Stack' });
    expect(ctx.pseudo.stackId).toMatch(/^arn:aws:cloudformation:us-east-1:000000000000:stack\/Stack\/[0-9a-f-]{36}$/);
  });

  it('resolves Fn::GetAtt in list and dotted-string forms (attributes may contain dots)', () => {
    // Prepare / Act
    const value = resolveValue([{ 'Fn::GetAtt': ['Table', 'Arn'] }, { 'Fn::GetAtt': 'Fn.Arn' }, { 'Fn::GetAtt': 'Db.Endpoint.Address' }], context());
    // Assess
    expect(value).toEqual([
      'arn:aws:dynamodb:us-east-1:000000000000:table/Stack-Table-ABC',
      'arn:aws:lambda:us-east-1:000000000000:function:Stack-Fn-XYZ',
      'db.local',
    ]);
  });

  it('joins, splits and selects, with nested intrinsics', () => {
    // Prepare
    const join = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };
    const select = { 'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::GetAtt': ['Table', 'Arn'] }] }] };
    // Act
    const value = resolveValue({ join, select, subnets: { 'Fn::Select': [0, { Ref: 'Subnets' }] } }, context());
    // Assess
    expect(value).toEqual({ join: 'arn:aws:iam::000000000000:root', select: 'Stack-Table-ABC', subnets: 'a' });
  });

  it('substitutes Fn::Sub in the string form (Ref, GetAtt, pseudo, escaped literal)', () => {
    // Prepare
    const sub = { 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:x/${Table}/${Fn.Arn}/${!Literal}' };
    // Act
    const value = resolveValue(sub, context());
    // Assess
    expect(value).toBe('arn:aws:states:us-east-1:000000000000:x/Stack-Table-ABC/arn:aws:lambda:us-east-1:000000000000:function:Stack-Fn-XYZ/${Literal}');
  });

  it('substitutes Fn::Sub in the list form, variables shadowing resources', () => {
    // Prepare
    const sub = { 'Fn::Sub': ['${Table}-${Suffix}-${Env}', { Table: 'shadowed', Suffix: { 'Fn::Select': [1, ['x', 'y']] } }] };
    // Act
    const value = resolveValue(sub, context());
    // Assess
    expect(value).toBe('shadowed-y-dev');
  });

  it('evaluates Fn::If and drops AWS::NoValue from maps and lists', () => {
    // Prepare
    const value = {
      Memory: { 'Fn::If': ['IsDev', { 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'Memory'] }, 1024] },
      Tracing: { 'Fn::If': ['IsProd', 'Active', { Ref: 'AWS::NoValue' }] },
      List: ['keep', { 'Fn::If': ['IsProd', 'prod-only', { Ref: 'AWS::NoValue' }] }],
    };
    // Act
    const resolved = resolveValue(value, context());
    // Assess
    expect(resolved).toEqual({ Memory: 256, List: ['keep'] });
    expect(resolveValue({ Ref: 'AWS::NoValue' }, context())).toBe(NO_VALUE);
  });

  it('supports Base64, GetAZs, Length and ToJsonString', () => {
    // Prepare / Act
    const value = resolveValue(
      { b: { 'Fn::Base64': 'hi' }, azs: { 'Fn::GetAZs': '' }, n: { 'Fn::Length': [1, 2, 3] }, j: { 'Fn::ToJsonString': { a: { Ref: 'Env' } } } },
      context(),
    );
    // Assess
    expect(value).toEqual({ b: 'aGk=', azs: ['us-east-1a', 'us-east-1b', 'us-east-1c'], n: 3, j: '{"a":"dev"}' });
  });

  it('fails clearly on unsupported or broken intrinsics', () => {
    // Prepare
    const ctx = context();
    // Act / Assess
    expect(() => resolveValue({ 'Fn::ImportValue': 'Shared' }, ctx)).toThrow(/ImportValue is not supported/);
    expect(() => resolveValue({ 'Fn::Select': [5, ['a']] }, ctx)).toThrow(/out of range/);
    expect(() => resolveValue({ Ref: 'Missing' }, ctx)).toThrow(/no Missing/);
    expect(() => resolveValue({ 'Fn::If': ['Nope', 1, 2] }, ctx)).toThrow(/Unknown condition Nope/);
    expect(() => resolveValue({ Ref: 'AWS::Bogus' }, ctx)).toThrow(/Unknown pseudo parameter/);
  });

  it('leaves plain objects with several keys alone (not mistaken for intrinsics)', () => {
    // Prepare
    const value = { Ref: 'Table', Other: 1 };
    // Act
    const resolved = resolveValue(value, context());
    // Assess
    expect(resolved).toEqual({ Ref: 'Table', Other: 1 });
  });
});

describe('evaluateConditions', () => {
  it('evaluates Equals/Not/And/Or and conditions that refer to other conditions', () => {
    // Prepare
    const { conditions: _ignored, ...base } = context();
    const conditions = {
      IsUsEast1: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] },
      IsDev: { 'Fn::Equals': [{ Ref: 'Env' }, 'dev'] },
      DevInUsEast1: { 'Fn::And': [{ Condition: 'IsDev' }, { Condition: 'IsUsEast1' }] },
      NotDev: { 'Fn::Not': [{ Condition: 'IsDev' }] },
      CDKMetadataAvailable: { 'Fn::Or': [{ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] }, { Condition: 'NotDev' }] },
    };
    // Act
    const results = evaluateConditions(conditions, base);
    // Assess
    expect(results).toEqual({ IsUsEast1: true, IsDev: true, DevInUsEast1: true, NotDev: false, CDKMetadataAvailable: false });
  });
});

describe('dependencies', () => {
  it('finds references in Ref, GetAtt and both Fn::Sub forms, not pseudo parameters or Sub variables', () => {
    // Prepare
    const value = {
      a: { Ref: 'Role' },
      b: { 'Fn::GetAtt': ['Fn', 'Arn'] },
      c: { 'Fn::Sub': '${Table.Arn}/${AWS::Region}/${!Escaped}' },
      d: { 'Fn::Sub': ['${Local}-${Bus}', { Local: { Ref: 'Queue' } }] },
      e: { Ref: 'AWS::AccountId' },
    };
    // Act
    const ids = referencedLogicalIds(value);
    // Assess
    expect([...ids].sort()).toEqual(['Bus', 'Fn', 'Queue', 'Role', 'Table']);
  });

  it('orders resources after what they reference and DependsOn, stable otherwise', () => {
    // Prepare
    const resources = {
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['Role', 'Arn'] }, Env: { Ref: 'Env' } }, DependsOn: ['Policy'] },
      Policy: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ Ref: 'Role' }], Resource: { 'Fn::GetAtt': ['Table', 'Arn'] } } },
      Table: { Type: 'AWS::DynamoDB::Table' },
      Role: { Type: 'AWS::IAM::Role' },
    };
    // Act
    const order = dependencyOrder(resources, ['Env']);
    // Assess
    expect(order).toEqual(['Table', 'Role', 'Policy', 'Fn']);
  });

  it('reports cycles and dangling references', () => {
    // Prepare
    const cycle = { A: { Type: 'T', Properties: { x: { Ref: 'B' } } }, B: { Type: 'T', DependsOn: 'A' } };
    const dangling = { A: { Type: 'T', Properties: { x: { Ref: 'Ghost' } } } };
    // Act / Assess
    expect(() => dependencyOrder(cycle)).toThrow(/Circular dependency between resources: A, B/);
    expect(() => dependencyOrder(dangling)).toThrow(/unknown resource or parameter Ghost/);
  });
});
