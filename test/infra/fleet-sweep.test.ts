// The fleet sweep as synthesized: its schedule (rate(6 hours) by default, configurable, off
// switch), the Distributed Map's MaxConcurrency and the page size from configuration, and
// least-privilege permissions (its child executions included).
import { describe, expect, it } from 'vitest';
import { parseSweepConfig } from '../../lib/sweep-config.js';
import { getAtt, grantsOf, logicalIdOf, ref, statementsOfRole, synth } from './synth.js';

type Definition = { States: Record<string, { MaxConcurrency?: number }> };

function definitionOf(s: ReturnType<typeof synth>): Definition {
  const machine = s.resources[logicalIdOf(s.stack.fleetSweep.stateMachine)];
  return JSON.parse(machine?.Properties?.DefinitionString as string) as Definition;
}

describe('fleet sweep', () => {
  it('runs every 6 hours by default, through a rule that starts the sweep state machine', () => {
    // Prepare
    const s = synth();
    const sweep = s.stack.fleetSweep;

    // Act
    const rule = s.resources[logicalIdOf(sweep.schedule)];

    // Assess
    expect(rule?.Properties).toMatchObject({
      ScheduleExpression: 'rate(6 hours)',
      State: 'ENABLED',
      Targets: [expect.objectContaining({ Arn: ref(sweep.stateMachine), RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
    expect(definitionOf(s).States['Verify Page']?.MaxConcurrency).toBe(20);
    expect(s.resources[logicalIdOf(sweep.listFleet.function)]?.Properties).toMatchObject({ Environment: { Variables: expect.objectContaining({ PAGE_SIZE: '500' }) } });
  });

  it('follows the context: schedule, off switch, concurrency and page size', () => {
    // Prepare
    const s = synth({ sweepSchedule: 'cron(0 3 * * ? *)', sweepEnabled: 'false', sweepConcurrency: '200', sweepPageSize: '250', autoRepair: 'true' });
    const sweep = s.stack.fleetSweep;

    // Act
    const rule = s.resources[logicalIdOf(sweep.schedule)];
    const listFleet = s.resources[logicalIdOf(sweep.listFleet.function)];

    // Assess
    expect(rule?.Properties).toMatchObject({ ScheduleExpression: 'cron(0 3 * * ? *)', State: 'DISABLED' });
    expect(definitionOf(s).States['Verify Page']?.MaxConcurrency).toBe(200);
    expect(listFleet?.Properties).toMatchObject({ Environment: { Variables: expect.objectContaining({ AUTO_REPAIR: 'true', PAGE_SIZE: '250' }) } });
  });

  it('refuses a schedule that is not a rate or cron expression, a concurrency over 1,000 and a page over 1,000 providers', () => {
    // Prepare
    const lookup = (values: Record<string, unknown>) => (key: string) => values[key];

    // Act
    const badSchedule = () => parseSweepConfig(lookup({ sweepSchedule: 'every 6 hours' }));
    const tooConcurrent = () => parseSweepConfig(lookup({ sweepConcurrency: 1001 }));
    const pageTooLarge = () => parseSweepConfig(lookup({ sweepPageSize: 1001 }));
    const singular = () => parseSweepConfig(lookup({ sweepSchedule: 'rate(6 hour)' }));

    // Assess
    expect(badSchedule).toThrow('Invalid CDK context "sweepSchedule"');
    expect(tooConcurrent).toThrow('Invalid CDK context "sweepConcurrency"');
    expect(pageTooLarge).toThrow('Invalid CDK context "sweepPageSize"');
    expect(parseSweepConfig(lookup({ sweepConcurrency: 1000, sweepPageSize: '1000', sweepChecksPerSecond: 34 }))).toMatchObject({ sweepConcurrency: 1000, sweepPageSize: 1000 });
    expect(singular).toThrow('Invalid CDK context "sweepSchedule"');
    expect(parseSweepConfig(lookup({}))).toEqual({ sweepEnabled: true, sweepSchedule: 'rate(6 hours)', sweepConcurrency: 20, sweepPageSize: 500, sweepChecksPerSecond: 20, autoRepair: false });
  });

  it('lets the state machine invoke its six task functions and run its own child executions, the sweep functions only what they need', () => {
    // Prepare
    const s = synth();
    const { fleetSweep: sweep, verification, registry, events, workflow } = s.stack;
    const table = getAtt(registry.table);

    // Act
    const stateMachine = grantsOf(statementsOfRole(s, sweep.stateMachine.role)).filter((grant) => grant.startsWith('lambda:'));
    const listFleet = grantsOf(statementsOfRole(s, sweep.listFleet.role)).filter((grant) => !grant.startsWith('xray:') && !grant.startsWith('logs:'));
    const recordSweep = grantsOf(statementsOfRole(s, sweep.recordSweep.role)).filter((grant) => !grant.startsWith('xray:') && !grant.startsWith('logs:'));
    const repair = grantsOf(statementsOfRole(s, sweep.repairProvider.role)).filter((grant) => grant.startsWith('states:'));
    const children = grantsOf(statementsOfRole(s, sweep.stateMachine.role)).filter((grant) => grant.startsWith('states:'));
    const childExecutionArns = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':execution:', { 'Fn::GetAtt': [logicalIdOf(sweep.stateMachine), 'Name'] }, '/VerifyPage:*']],
    };

    // Assess
    expect(stateMachine).toEqual(
      [sweep.reconcileOrganization, sweep.listFleet, verification.checkProvider, verification.recordVerification, sweep.repairProvider, sweep.recordSweep]
        .map((fn) => `lambda:InvokeFunction -> ${JSON.stringify(getAtt(fn.function))}`)
        .sort(),
    );
    expect(listFleet).toEqual([`dynamodb:Scan -> ${JSON.stringify(table)}`]);
    expect(recordSweep).toEqual([`dynamodb:PutItem -> ${JSON.stringify(table)}`, `events:PutEvents -> ${JSON.stringify(getAtt(events.bus))}`].sort());
    expect(children).toEqual([
      `states:DescribeExecution -> ${JSON.stringify(childExecutionArns)}`,
      `states:StartExecution -> ${JSON.stringify(ref(sweep.stateMachine))}`,
      `states:StopExecution -> ${JSON.stringify(childExecutionArns)}`,
    ]);
    // The repair is a POST's start path: StartExecution on the onboarding state machine (and DescribeExecution on its executions).
    expect(repair).toHaveLength(2);
    expect(repair).toContain(`states:StartExecution -> ${JSON.stringify(ref(workflow.stateMachine))}`);
  });
});
