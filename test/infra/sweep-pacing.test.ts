// The sweep's rate bound as configured and synthesized: sweepChecksPerSecond (1-1000, default 20)
// becomes list-fleet's MIN_CHECK_MS, ceil(1000 × sweepConcurrency ÷ sweepChecksPerSecond) ms
// (1000 by default), refused at synth past 30,000 ms (check-provider's timeout is 60 s).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.js';
import { minCheckDurationMs, parseSweepConfig } from '../../lib/sweep-config.js';
import { logicalIdOf, synth } from './synth.js';

const lookup = (values: Record<string, unknown>) => (key: string) => values[key];

function listFleetVariables(context: Record<string, unknown> = {}): Record<string, string> {
  const s = synth(context);
  const listFleet = s.resources[logicalIdOf(s.stack.fleetSweep.listFleet.function)];
  return (listFleet?.Properties as { Environment: { Variables: Record<string, string> } }).Environment.Variables;
}

describe('sweepChecksPerSecond', () => {
  it('is 20 by default', () => {
    // Act
    const config = parseSweepConfig(lookup({}));

    // Assess
    expect(config.sweepChecksPerSecond).toBe(20);
  });

  it('takes a whole number from 1 to 1000, as a number or as -c text', () => {
    // Act
    const lowest = parseSweepConfig(lookup({ sweepChecksPerSecond: 1, sweepConcurrency: 1 }));
    const highest = parseSweepConfig(lookup({ sweepChecksPerSecond: '1000' }));

    // Assess
    expect(lowest.sweepChecksPerSecond).toBe(1);
    expect(highest.sweepChecksPerSecond).toBe(1000);
  });

  it.each([0, 1001, 2.5, -3, 'fast', '', true])('refuses %j', (value) => {
    // Act
    const parse = () => parseSweepConfig(lookup({ sweepChecksPerSecond: value }));

    // Assess
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(`Invalid CDK context "sweepChecksPerSecond": ${JSON.stringify(value)} must be an integer from 1 to 1000`);
  });

  it('refuses a combination whose checks would each last over 30,000 ms, naming the numbers and the least rate that fits', () => {
    // Act
    const parse = () => parseSweepConfig(lookup({ sweepConcurrency: 1000, sweepChecksPerSecond: 33 }));

    // Assess
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(
      'Invalid CDK context "sweepChecksPerSecond": 33 checks per second with sweepConcurrency 1000 makes each check last at least 30304 ms, ' +
        "over 30000 ms (check-provider's timeout is 60 s): give at least 34 or lower sweepConcurrency",
    );
  });

  it('accepts a combination whose checks last exactly 30,000 ms', () => {
    // Act
    const config = parseSweepConfig(lookup({ sweepConcurrency: 30, sweepChecksPerSecond: 1 }));

    // Assess
    expect(config).toMatchObject({ sweepConcurrency: 30, sweepChecksPerSecond: 1 });
  });
});

describe('the least duration of a check', () => {
  it('is what makes concurrency checks at once start checksPerSecond a second, rounded up to the millisecond', () => {
    // Act
    const byDefault = minCheckDurationMs(20, 20);
    const slower = minCheckDurationMs(50, 10);
    const rounded = minCheckDurationMs(1000, 34);
    const fastest = minCheckDurationMs(1, 1000);

    // Assess
    expect(byDefault).toBe(1000);
    expect(slower).toBe(5000);
    expect(rounded).toBe(29412);
    expect(fastest).toBe(1);
  });
});

describe('list-fleet environment', () => {
  it('sets MIN_CHECK_MS to 1000 by default (20 at once, 20 a second)', () => {
    // Act
    const variables = listFleetVariables();

    // Assess
    expect(variables.MIN_CHECK_MS).toBe('1000');
  });

  it('follows the context: 50 at once and 10 a second make 5000 ms', () => {
    // Act
    const variables = listFleetVariables({ sweepConcurrency: '50', sweepChecksPerSecond: '10' });

    // Assess
    expect(variables.MIN_CHECK_MS).toBe('5000');
  });

  it('fails synth on a combination over 30,000 ms', () => {
    // Act
    const build = () => synth({ sweepConcurrency: '100', sweepChecksPerSecond: '3' });

    // Assess
    expect(build).toThrow('Invalid CDK context "sweepChecksPerSecond": 3 checks per second with sweepConcurrency 100 makes each check last at least 33334 ms');
  });
});
