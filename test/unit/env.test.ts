import { describe, expect, it } from 'vitest';
import { grantMode, nonEmpty, positiveInteger, readEnv, rolePath } from '../../functions/shared/runtime/env.js';

describe('readEnv', () => {
  it('parses and defaults', () => {
    const env = readEnv(
      { TABLE_NAME: nonEmpty, ROLE_PATH: rolePath, GRANT_MODE: grantMode, VERIFY_TIMEOUT_SECONDS: positiveInteger(120) },
      { TABLE_NAME: 't', ROLE_PATH: '/capa-providers/', GRANT_MODE: 'per-role' },
    );
    expect(env).toEqual({ TABLE_NAME: 't', ROLE_PATH: '/capa-providers/', GRANT_MODE: 'per-role', VERIFY_TIMEOUT_SECONDS: 120 });
  });

  it('names every bad variable in one error', () => {
    expect(() =>
      readEnv(
        { TABLE_NAME: nonEmpty, ROLE_PATH: rolePath, GRANT_MODE: grantMode, VERIFY_TIMEOUT_SECONDS: positiveInteger(120) },
        { ROLE_PATH: 'capa', GRANT_MODE: 'all', VERIFY_TIMEOUT_SECONDS: '-1' },
      ),
    ).toThrow(/TABLE_NAME must be set; ROLE_PATH must be an IAM path.*; GRANT_MODE must be.*; VERIFY_TIMEOUT_SECONDS must be a positive integer/);
  });
});
