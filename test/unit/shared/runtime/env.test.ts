import { describe, expect, it } from 'vitest';
import { grantMode, nonEmpty, positiveInteger, readEnv, rolePath } from '../../../../functions/shared/runtime/env.js';

const schema = { TABLE_NAME: nonEmpty, ROLE_PATH: rolePath, GRANT_MODE: grantMode, VERIFY_TIMEOUT_SECONDS: positiveInteger(120) };

describe('readEnv', () => {
  it('parses the variables and applies defaults', () => {
    // Act
    const env = readEnv(schema, { TABLE_NAME: 't', ROLE_PATH: '/capa-providers/', GRANT_MODE: 'per-role' });

    // Assess
    expect(env).toEqual({ TABLE_NAME: 't', ROLE_PATH: '/capa-providers/', GRANT_MODE: 'per-role', VERIFY_TIMEOUT_SECONDS: 120 });
  });

  it('names every bad variable in one error', () => {
    // Act
    const read = () => readEnv(schema, { ROLE_PATH: 'capa', GRANT_MODE: 'all', VERIFY_TIMEOUT_SECONDS: '-1' });

    // Assess
    expect(read).toThrow(/TABLE_NAME must be set; ROLE_PATH must be an IAM path.*; GRANT_MODE must be.*; VERIFY_TIMEOUT_SECONDS must be a positive integer/);
  });
});
