// Verification polls within one invocation of the verify function: the Task around it must outlast
// the function, and the state machine invokes it again at once (no backoff) when its budget ends.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { logicalIdOf, synth } from './synth.js';

const ASL_FILE = new URL('../../statemachine/onboard-provider.asl.json', import.meta.url);

interface TaskState {
  TimeoutSeconds: number;
  Retry: { ErrorEquals: string[]; IntervalSeconds?: number; BackoffRate?: number; MaxAttempts?: number; JitterStrategy?: string }[];
}

function verifyState(): TaskState {
  const definition = JSON.parse(readFileSync(ASL_FILE, 'utf8')) as { States: Record<string, TaskState> };
  return definition.States['Verify Role Is Assumable']!;
}

describe('verification timing', () => {
  it('the Verify task allows 90 s, longer than the 60 s the verify function runs', () => {
    // Prepare
    const s = synth();

    // Act
    const functionTimeout = s.resources[logicalIdOf(s.stack.workflow.verifyRole.function)]?.Properties?.Timeout;

    // Assess
    expect(functionTimeout).toBe(60);
    expect(verifyState().TimeoutSeconds).toBe(90);
  });

  it('a verification that hands back (RoleNotYetAssumable) is invoked again a second later, without backoff or jitter, up to 20 times', () => {
    // Act
    const retry = verifyState().Retry.find((rule) => rule.ErrorEquals.includes('RoleNotYetAssumable'));

    // Assess
    expect(retry).toEqual({ ErrorEquals: ['RoleNotYetAssumable'], IntervalSeconds: 1, BackoffRate: 1, MaxAttempts: 20 });
  });
});
