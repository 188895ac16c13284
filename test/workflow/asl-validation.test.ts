import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { aslFiles, fakeFunctionArn, loadDefinition, placeholdersOf, STATEMACHINE_DIR } from '../support/asl-files.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// asl-validator is CommonJS and ships no types.
const aslValidator = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

describe('ASL definitions', () => {
  it('has the onboarding workflow', () => {
    expect(aslFiles()).toContain('onboard-provider.asl.json');
  });

  it.each(aslFiles())('%s is valid Amazon States Language once substituted', (file) => {
    // Prepare
    const definition = loadDefinition(file, fakeFunctionArn);

    // Act
    const result = aslValidator(definition, { checkPaths: true, checkArn: true });

    // Assess
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('uses only the substitutions the CDK stack provides', () => {
    // Prepare
    const text = readFileSync(join(STATEMACHINE_DIR, 'onboard-provider.asl.json'), 'utf8');

    // Act
    const placeholders = placeholdersOf(text).sort();

    // Assess
    expect(placeholders).toEqual(
      [
        'AttachPoliciesFunctionArn',
        'CompensateFunctionArn',
        'CreateRoleFunctionArn',
        'GrantManagementFunctionArn',
        'RecordResultFunctionArn',
        'VerifyRoleFunctionArn',
      ].sort(),
    );
  });

  it('uses JSONPath only: no JSONata, no variables (the local interpreter ignores them)', () => {
    // Prepare
    const text = readFileSync(join(STATEMACHINE_DIR, 'onboard-provider.asl.json'), 'utf8');

    // Act
    const definition = JSON.parse(text) as { QueryLanguage?: string };

    // Assess
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
    expect(text).not.toMatch(/"Assign"|"Arguments"|"Output"|\{%/);
  });
});
