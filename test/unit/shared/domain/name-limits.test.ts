// Names at their length limits: execution names of exactly 80 characters are kept, longer ones are
// shortened to 80; shortened role names never end their readable head with hyphens. And the
// message of a run that failed before compensation reported anything.
import { describe, expect, it } from 'vitest';
import { describeRunFailure } from '../../../../functions/shared/domain/errors.js';
import { deriveRoleName, executionNameOf } from '../../../../functions/shared/domain/provider.js';

describe('execution names', () => {
  it('keep a name of exactly 80 characters as <workspace>_<name>_<attempt>', () => {
    // Act
    const name = executionNameOf('a'.repeat(39), 'b'.repeat(38), 1);

    // Assess
    expect(name).toBe(`${'a'.repeat(39)}_${'b'.repeat(38)}_1`);
  });

  it('shorten a name of 83 characters to 80, keeping the readable head and the attempt', () => {
    // Act
    const name = executionNameOf('a'.repeat(40), 'b'.repeat(40), 1);

    // Assess
    expect(name).toHaveLength(80);
    expect(name.startsWith(`${'a'.repeat(40)}_${'b'.repeat(26)}-`)).toBe(true);
    expect(name.endsWith('_1')).toBe(true);
  });
});

describe('role names', () => {
  it('drop every hyphen at the end of the shortened head before the hash', () => {
    // Act
    const roleName = deriveRoleName('capa-', `${'a'.repeat(48)}--${'b'.repeat(10)}`, 'dev');

    // Assess
    expect(roleName).toHaveLength(62);
    expect(roleName.startsWith(`capa-${'a'.repeat(48)}-`)).toBe(true);
    expect(roleName).not.toContain('--');
  });
});

describe('describeRunFailure', () => {
  it('adds nothing to the failure of a run whose compensation did not report', () => {
    // Act
    const failure = describeRunFailure({ error: { Error: 'RoleConflict', Cause: '{"errorMessage":"Role taken"}' } });

    // Assess
    expect(failure).toEqual({ reason: 'ROLE_CONFLICT', message: 'Role taken' });
  });
});
