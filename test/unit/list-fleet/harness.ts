// What the list-fleet tests share: the environment the stack gives the function (its page size is
// each test file's own: the handler reads it once, at import) and the event a sweep hands it.
import type { TestTable } from '../../support/dynamodb.js';
import { registryEnvironment } from '../../support/workflow-task-events.js';

export type ListFleetEvent = { execution: { arn: string; name: string; startTime: string }; nextToken?: string | null };

export function listFleetEnvironment(table: TestTable, pageSize: number): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AUTO_REPAIR: 'false',
    PAGE_SIZE: String(pageSize),
    MIN_CHECK_MS: '750',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...registryEnvironment(table),
  };
}
