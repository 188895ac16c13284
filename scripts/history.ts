// A provider's executions as the console's execution history shows them, read through the Step
// Functions API: `npm run history -- <workspace>.<name>` against a running `npm start`.
import {
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  type ExecutionListItem,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { LOCAL_REGION } from '../local/cloud.js';
import { ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY } from '../local/iam/index.js';
import { formatTimeline } from './timeline.js';

async function stateMachineArns(sfn: SFNClient): Promise<string[]> {
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  return stateMachines.map((machine) => machine.stateMachineArn ?? '').filter(Boolean);
}

/** Executions are named `<workspace>_<name>_<attempt>`. */
async function executionsOf(sfn: SFNClient, providerId: string): Promise<ExecutionListItem[]> {
  const [workspace, name] = providerId.split('.');
  const prefix = `${workspace}_${name}_`;
  const executions: ExecutionListItem[] = [];
  for (const stateMachineArn of await stateMachineArns(sfn)) {
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, nextToken }));
      executions.push(...(page.executions ?? []).filter((execution) => execution.name?.startsWith(prefix)));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return executions.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '', undefined, { numeric: true }));
}

async function historyOf(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

export async function printTimelines(sfn: SFNClient, providerIds: string[]): Promise<void> {
  for (const providerId of providerIds) {
    const executions = await executionsOf(sfn, providerId);
    if (executions.length === 0) console.log(`\n${providerId}: no executions`);
    for (const execution of executions) {
      const seconds =
        execution.startDate && execution.stopDate
          ? ` in ${((new Date(execution.stopDate).getTime() - new Date(execution.startDate).getTime()) / 1000).toFixed(1)} s`
          : '';
      console.log(`\n${providerId} · execution ${execution.name} · ${execution.status}${seconds}`);
      for (const line of formatTimeline(await historyOf(sfn, execution.executionArn ?? ''))) console.log(line);
    }
  }
}

export async function history(args: string[]): Promise<void> {
  const providerIds = args.filter((arg) => !arg.startsWith('--'));
  if (providerIds.length === 0) {
    console.error('usage: npm run history -- <workspace>.<name> [...]   (needs `npm start` running)');
    process.exitCode = 2;
    return;
  }
  const endpoint = process.env.LOCAL_ENDPOINT ?? 'http://127.0.0.1:4566';
  const credentials = { accessKeyId: ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN_SECRET_ACCESS_KEY };
  await printTimelines(new SFNClient({ endpoint, region: LOCAL_REGION, credentials }), providerIds);
}
