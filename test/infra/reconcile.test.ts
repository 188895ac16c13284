// The reconcile as synthesized: the sweep's first state, its configuration (reconcileEnabled,
// reconcileMaxOnboardings) and its least-privilege permissions.
import { describe, expect, it } from 'vitest';
import { parseReconcileConfig } from '../../lib/reconcile-config.js';
import { getAtt, grantsOf, logicalIdOf, ref, statementsOfRole, synth } from './synth.js';

type Definition = { StartAt: string; States: Record<string, { Next?: string; ResultPath?: string; Catch?: Array<{ ResultPath?: string; Next?: string }> }> };

describe('reconcile', () => {
  it('is the sweep\'s first state, its result and its caught failure both at $.reconciliation before the sweep starts', () => {
    // Prepare
    const s = synth();

    // Act
    const definition = JSON.parse(s.resources[logicalIdOf(s.stack.fleetSweep.stateMachine)]?.Properties?.DefinitionString as string) as Definition;
    const reconcile = definition.States['Reconcile Organization'];

    // Assess
    expect(definition.StartAt).toBe('Reconcile Organization');
    expect(reconcile).toMatchObject({ ResultPath: '$.reconciliation', Next: 'Start Sweep' });
    expect(reconcile?.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.reconciliation', Next: 'Start Sweep' }]);
  });

  it('is on with at most 50 onboardings a run by default, and follows the context', () => {
    // Prepare
    const defaults = synth();
    const configured = synth({ reconcileEnabled: 'false', reconcileMaxOnboardings: '7' });

    // Act
    const variablesOf = (s: ReturnType<typeof synth>) =>
      (s.resources[logicalIdOf(s.stack.fleetSweep.reconcileOrganization.function)]?.Properties as { Environment: { Variables: Record<string, unknown> } }).Environment
        .Variables;

    // Assess
    expect(variablesOf(defaults)).toMatchObject({ RECONCILE_ENABLED: 'true', MAX_ONBOARDINGS: '50', DEFAULT_WORKSPACE: 'default', GRANT_MODE: 'path' });
    expect(variablesOf(configured)).toMatchObject({ RECONCILE_ENABLED: 'false', MAX_ONBOARDINGS: '7' });
  });

  it('refuses a maximum outside 1-500 and an enabled flag that is not a boolean', () => {
    // Prepare
    const lookup = (values: Record<string, unknown>) => (key: string) => values[key];

    // Act
    const zero = () => parseReconcileConfig(lookup({ reconcileMaxOnboardings: 0 }));
    const tooMany = () => parseReconcileConfig(lookup({ reconcileMaxOnboardings: '501' }));
    const notBoolean = () => parseReconcileConfig(lookup({ reconcileEnabled: 'yes' }));

    // Assess
    expect(zero).toThrow('Invalid CDK context "reconcileMaxOnboardings"');
    expect(tooMany).toThrow('Invalid CDK context "reconcileMaxOnboardings"');
    expect(notBoolean).toThrow('Invalid CDK context "reconcileEnabled"');
    expect(parseReconcileConfig(lookup({}))).toEqual({ reconcileEnabled: true, reconcileMaxOnboardings: 50 });
  });

  it('may read Organizations and scan the registry, start onboardings and end departed providers, and nothing else', () => {
    // Prepare
    const s = synth();
    const { fleetSweep, registry, events, workflow } = s.stack;

    // Act
    const grants = grantsOf(statementsOfRole(s, fleetSweep.reconcileOrganization.role)).filter((grant) => !grant.startsWith('xray:') && !grant.startsWith('logs:'));

    // Assess
    const table = JSON.stringify(getAtt(registry.table));
    expect(grants.filter((grant) => grant.startsWith('organizations:'))).toEqual(
      [
        'organizations:DescribeOrganization -> "*"',
        'organizations:ListAccounts -> "*"',
        'organizations:ListAccountsForParent -> "*"',
        'organizations:ListOrganizationalUnitsForParent -> "*"',
        'organizations:ListRoots -> "*"',
        'organizations:ListTagsForResource -> "*"',
      ],
    );
    expect(grants.filter((grant) => grant.startsWith('dynamodb:') && grant.endsWith(table))).toEqual(
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'].map((action) => `${action} -> ${table}`),
    );
    expect(grants).toContain(`states:StartExecution -> ${JSON.stringify(ref(workflow.stateMachine))}`);
    expect(grants).toContain(`events:PutEvents -> ${JSON.stringify(getAtt(events.bus))}`);
    expect(grants.filter((grant) => grant.startsWith('iam:'))).toHaveLength(3);
    expect(grants.filter((grant) => grant.startsWith('states:StopExecution'))).toHaveLength(2);
    expect(grants.filter((grant) => grant.startsWith('dynamodb:Query'))).toHaveLength(1);
    // 6 Organizations reads, 4 on the table, StartExecution, DescribeExecution, PutEvents, 3 IAM, 2 StopExecution, 1 Query.
    expect(grants).toHaveLength(19);
  });
});
