// An outage that begins or ends while the local cloud runs: the injector's rules are replaced in place.
import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../../local/core/faults.js';

describe('FaultInjector.replaceRules', () => {
  it('starts failing an operation, then stops, as the rules are replaced', async () => {
    // Prepare
    const faults = new FaultInjector({ spec: '', seed: 1 });

    // Act
    const before = await faults.apply('iam', 'CreateRole');
    faults.replaceRules('iam:CreateRole=error5xx:1');
    const during = await faults.apply('iam', 'CreateRole');
    const otherOperation = await faults.apply('iam', 'GetRole');
    faults.replaceRules('');
    const after = await faults.apply('iam', 'CreateRole');

    // Assess
    expect(before).toBeUndefined();
    expect([during?.code, during?.status]).toEqual(['ServiceUnavailable', 503]);
    expect(otherOperation).toBeUndefined();
    expect(after).toBeUndefined();
    expect(faults.enabled).toBe(false);
    expect(faults.stats()).toEqual({ 'iam:CreateRole:error5xx': 1 });
  });

  it('refuses a malformed spec and keeps the rules it had', async () => {
    // Prepare
    const faults = new FaultInjector({ spec: 'sts:AssumeRole=throttle:1', seed: 1 });

    // Act
    const replace = () => faults.replaceRules('sts:AssumeRole=throtle:1');

    // Assess
    expect(replace).toThrow(/Invalid fault rule/);
    expect((await faults.apply('sts', 'AssumeRole'))?.code).toBe('Throttling');
  });
});
