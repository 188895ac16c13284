// Starting a provider's executions under deterministic names, shared by onboarding and offboarding:
// StartExecution with the same name and input is idempotent while the execution runs, and
// "already exists" tells that the name's execution has ended.
import { DescribeExecutionCommand, ExecutionAlreadyExists, ExecutionDoesNotExist, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { callAws } from './aws-errors.js';

/**
 * Starts execution `name`. True when it is running (just started, or already running with this
 * name and input); false when an execution of that name has already ended, which Step Functions
 * answers with ExecutionAlreadyExists.
 */
export async function startNamedExecution(sfn: SFNClient, stateMachineArn: string, name: string, input: unknown): Promise<boolean> {
  try {
    await callAws(`StartExecution ${name}`, () => sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) })));
    return true;
  } catch (error) {
    // The name is unique per attempt: "already exists" means this attempt is running or ran.
    if (!(error instanceof ExecutionAlreadyExists)) throw error;
    return false;
  }
}

/** The execution's status; undefined when Step Functions has no execution of that ARN. */
export async function executionStatus(sfn: SFNClient, executionArn: string): Promise<string | undefined> {
  try {
    return (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist) return undefined;
    throw error;
  }
}
