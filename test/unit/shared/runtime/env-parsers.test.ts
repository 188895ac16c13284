// Each environment parser accepts exactly the values a deployment may set, and a misconfigured
// deployment fails with a message that names the variable and what it must be.
import { describe, expect, it } from 'vitest';
import {
  grantMode,
  InvalidEnvironment,
  nonEmpty,
  partition,
  positiveInteger,
  readEnv,
  rolePath,
} from '../../../../functions/shared/runtime/env.js';

describe('nonEmpty', () => {
  it('returns a set value unchanged', () => {
    // Act
    const value = nonEmpty('providers', 'TABLE_NAME');

    // Assess
    expect(value).toBe('providers');
  });

  it.each([
    ['unset', undefined],
    ['empty', ''],
  ])('refuses a variable that is %s, naming it', (_what, value) => {
    // Act
    const parse = () => nonEmpty(value, 'TABLE_NAME');

    // Assess
    expect(parse).toThrow(new InvalidEnvironment('TABLE_NAME must be set'));
  });
});

describe('rolePath', () => {
  it.each(['/', '/capa-providers/', '/capa/providers/', '/a+b=c,d.e@f-g_h/'])('accepts the IAM path %s', (path) => {
    // Act
    const value = rolePath(path, 'ROLE_PATH');

    // Assess
    expect(value).toBe(path);
  });

  it.each([
    ['capa-providers/', '"capa-providers/"'],
    ['/capa-providers', '"/capa-providers"'],
    ['x/capa-providers/', '"x/capa-providers/"'],
    ['/capa-providers/x', '"/capa-providers/x"'],
    ['//', '"//"'],
    ['/capa providers/', '"/capa providers/"'],
    ['', '""'],
  ])('refuses %s, quoting what it got', (path, quoted) => {
    // Act
    const parse = () => rolePath(path, 'ROLE_PATH');

    // Assess
    expect(parse).toThrow(new InvalidEnvironment(`ROLE_PATH must be an IAM path such as /capa-providers/ (got ${quoted})`));
  });

  it('refuses an unset path, saying it got nothing', () => {
    // Act
    const parse = () => rolePath(undefined, 'ROLE_PATH');

    // Assess
    expect(parse).toThrow(new InvalidEnvironment('ROLE_PATH must be an IAM path such as /capa-providers/ (got undefined)'));
  });
});

describe('partition', () => {
  it.each(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso-b'])('accepts the partition %s', (value) => {
    // Act
    const parsed = partition(value, 'PARTITION');

    // Assess
    expect(parsed).toBe(value);
  });

  it.each([undefined, '', 'awsx', 'xaws', 'aws-', 'aws-CN', 'aws-cn1', 'azure'])('refuses %s', (value) => {
    // Act
    const parse = () => partition(value, 'PARTITION');

    // Assess
    expect(parse).toThrow(new InvalidEnvironment('PARTITION must be an AWS partition such as aws'));
  });
});

describe('grantMode', () => {
  it.each(['path', 'per-role'])('accepts %s', (value) => {
    // Act
    const parsed = grantMode(value, 'GRANT_MODE');

    // Assess
    expect(parsed).toBe(value);
  });

  it.each([undefined, '', 'all', 'PATH'])('refuses %s', (value) => {
    // Act
    const parse = () => grantMode(value, 'GRANT_MODE');

    // Assess
    expect(parse).toThrow(new InvalidEnvironment('GRANT_MODE must be "path" or "per-role"'));
  });
});

describe('positiveInteger', () => {
  it.each([
    ['unset', undefined, 120],
    ['empty', '', 120],
    ['1', '1', 1],
    ['300', '300', 300],
  ])('reads %s as %s', (_what, value, expected) => {
    // Act
    const parsed = positiveInteger(120)(value, 'VERIFY_TIMEOUT_SECONDS');

    // Assess
    expect(parsed).toBe(expected);
  });

  it.each(['0', '-1', '1.5', 'ten'])('refuses %s', (value) => {
    // Act
    const parse = () => positiveInteger(120)(value, 'VERIFY_TIMEOUT_SECONDS');

    // Assess
    expect(parse).toThrow(new InvalidEnvironment('VERIFY_TIMEOUT_SECONDS must be a positive integer'));
  });
});

describe('readEnv', () => {
  it('reads process.env when no source is given', () => {
    // Prepare
    process.env.ENV_PARSERS_TEST_TABLE = 'from-process-env';

    // Act
    const env = readEnv({ ENV_PARSERS_TEST_TABLE: nonEmpty });

    // Assess
    expect(env).toEqual({ ENV_PARSERS_TEST_TABLE: 'from-process-env' });
    delete process.env.ENV_PARSERS_TEST_TABLE;
  });

  it('reports every problem in one InvalidEnvironment, in the order of the schema', () => {
    // Act
    const read = () => readEnv({ TABLE_NAME: nonEmpty, GRANT_MODE: grantMode, PARTITION: partition }, { GRANT_MODE: 'all', PARTITION: 'aws' });

    // Assess
    expect(read).toThrow(new InvalidEnvironment('Invalid environment: TABLE_NAME must be set; GRANT_MODE must be "path" or "per-role"'));
  });

  it('names its error InvalidEnvironment', () => {
    // Act
    const read = () => readEnv({ TABLE_NAME: nonEmpty }, {});

    // Assess
    expect(read).toThrow(expect.objectContaining({ name: 'InvalidEnvironment' }));
  });
});
