// Choice rules whose type test is written `false` (IsNull: false, IsPresent: false, …) match as in
// Step Functions: the interpreter alone never matches them.
import { describe, expect, it } from 'vitest';
import { LocalStepFunctions } from '../../../local/stepfunctions/index.js';
import { ACCOUNT_ID, fakeIam, REGION, roleSession } from '../lambda/fake-iam.js';

const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/choice-role`;

/** Which branch a Choice takes for `input`: "matched" when its one rule matches, else "default". */
function choiceMachine(rule: Record<string, unknown>) {
  return {
    StartAt: 'Decide',
    States: {
      Decide: { Type: 'Choice', Choices: [{ ...rule, Next: 'Yes' }], Default: 'No' },
      Yes: { Type: 'Pass', Result: 'matched', End: true },
      No: { Type: 'Pass', Result: 'default', End: true },
    },
  };
}

describe('Choice type tests written false', () => {
  it('matches IsNull false on a string, IsPresent false on a missing field, and nested in Not/And', async () => {
    // Prepare
    const sfn = new LocalStepFunctions({ accountId: ACCOUNT_ID, region: REGION, authorize: fakeIam().authorize, roleSession, invokeLambda: () => Promise.reject(new Error('no Task states')) });
    const cases: Array<[string, Record<string, unknown>, unknown]> = [
      ['not-null', { Variable: '$.token', IsNull: false }, { token: 'abc' }],
      ['null', { Variable: '$.token', IsNull: false }, { token: null }],
      ['absent', { Variable: '$.missing', IsPresent: false }, {}],
      ['and', { And: [{ Variable: '$.token', IsString: true }, { Variable: '$.token', IsNumeric: false }] }, { token: 'abc' }],
      ['not', { Not: { Variable: '$.token', IsBoolean: false } }, { token: true }],
    ];

    // Act
    const outputs: Record<string, unknown> = {};
    for (const [name, rule, input] of cases) {
      const { arn } = sfn.createStateMachine({ name: `choice-${name}`, definition: JSON.stringify(choiceMachine(rule)), roleArn: ROLE_ARN });
      const { executionArn } = sfn.startExecution(arn, { input: JSON.stringify(input) });
      outputs[name] = JSON.parse((await sfn.waitForExecution(executionArn)).output ?? 'null');
    }

    // Assess
    expect(outputs).toEqual({ 'not-null': 'matched', null: 'default', absent: 'matched', and: 'matched', not: 'matched' });
  });
});
