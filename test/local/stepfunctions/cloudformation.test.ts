import { describe, expect, it } from 'vitest';
import { stateMachineDefinition } from '../../../local/stepfunctions/cloudformation.js';

describe('stateMachineDefinition', () => {
  it('reports a placeholder without substitution instead of deploying a broken machine', () => {
    // Prepare
    const props = { DefinitionString: '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${Missing}","End":true}}}', DefinitionSubstitutions: {} };
    // Act
    const attempt = () => stateMachineDefinition('Sm', props, undefined);
    // Assess
    expect(attempt).toThrow(/\$\{Missing\} has no DefinitionSubstitutions entry/);
  });
});
