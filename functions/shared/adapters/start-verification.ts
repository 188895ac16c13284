// Starting a re-verification: one execution of the verification state machine per request, named
// after the provider and the time, with the same input the onboarding gets (no External ID).
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { verificationExecutionNameOf } from '../domain/drift.js';
import { executionArnOf, workflowInputOf, type ProviderRecord } from '../domain/provider.js';
import { callAws } from './aws-errors.js';

export async function startVerification(
  sfn: SFNClient,
  stateMachineArn: string,
  record: ProviderRecord,
  now: Date = new Date(),
): Promise<{ executionArn: string; startedAt: string }> {
  const name = verificationExecutionNameOf(record.workspace, record.name, now);
  const answer = await callAws(`StartExecution ${name}`, () =>
    sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ provider: workflowInputOf(record) }) })),
  );
  return {
    executionArn: answer.executionArn ?? executionArnOf(stateMachineArn, name),
    startedAt: (answer.startDate ?? now).toISOString(),
  };
}
