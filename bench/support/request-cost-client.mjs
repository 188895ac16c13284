// One AWS SDK v3 client in a fresh Node process (a fresh V8 isolate, as a new Lambda sandbox has),
// sending one cheap read of its service to the endpoint in a loop. Prints, as one JSON line, the
// process's CPU time (user + system) per request over its first `fresh` requests and over its last
// `warm` requests, after `warmUp` requests in between. Plain JS: no TypeScript loader in the way.
// Environment: ENDPOINT, SERVICE, FRESH, WARM_UP, WARM, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY.
import { DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, DescribeEventBusCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient, GetRoleCommand } from '@aws-sdk/client-iam';
import { SFNClient, ListStateMachinesCommand } from '@aws-sdk/client-sfn';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';

const { ENDPOINT: endpoint, SERVICE: service, FRESH, WARM_UP, WARM } = process.env;
const config = { endpoint, region: 'us-east-1' };

async function requestOf(name) {
  switch (name) {
    case 'dynamodb': {
      const client = new DynamoDBClient(config);
      const TableName = (await client.send(new ListTablesCommand({}))).TableNames?.[0];
      // A key that is not there: the read itself, not the size of an item.
      return () => client.send(new GetItemCommand({ TableName, Key: { providerId: { S: 'request-cost.absent' } } }));
    }
    case 'iam': {
      const client = new IAMClient(config);
      return () => client.send(new GetRoleCommand({ RoleName: 'capa-management' }));
    }
    case 'sts': {
      const client = new STSClient(config);
      return () => client.send(new GetCallerIdentityCommand({}));
    }
    case 'states': {
      const client = new SFNClient(config);
      return () => client.send(new ListStateMachinesCommand({ maxResults: 1 }));
    }
    case 'events': {
      const client = new EventBridgeClient(config);
      return () => client.send(new DescribeEventBusCommand({}));
    }
    default:
      throw new Error(`no request for service ${name}`);
  }
}

function cpuMs() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function perRequest(send, count) {
  const before = cpuMs();
  for (let index = 0; index < count; index += 1) await send();
  return (cpuMs() - before) / count;
}

const send = await requestOf(service);
const fresh = await perRequest(send, Number(FRESH));
await perRequest(send, Number(WARM_UP));
const warm = await perRequest(send, Number(WARM));
process.stdout.write(`${JSON.stringify({ service, freshMs: fresh, warmMs: warm })}\n`);
