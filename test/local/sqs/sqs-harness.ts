// The local SQS behind the local cloud's real endpoint (routing, SigV4, IAM authorization), with a
// clock the tests advance, so visibility timeouts and retention are observed without waiting.
import { SQSClient } from '@aws-sdk/client-sqs';
import { startServer, type LocalServer } from '../../../local/core/server.js';
import { LocalIam } from '../../../local/iam/index.js';
import { LocalSqs } from '../../../local/sqs/index.js';

export const ACCOUNT_ID = '000000000000';
export const REGION = 'us-east-1';

export interface SqsHarness {
  sqs: LocalSqs;
  iam: LocalIam;
  server: LocalServer;
  /** An SQS client signed with the local administrator's keys. */
  admin: SQSClient;
  /** An SQS client acting as a new role of the account that holds `statements`. */
  roleClient(name: string, statements: unknown[]): SQSClient;
  advanceClock(ms: number): void;
  close(): Promise<void>;
}

export async function startSqsHarness(): Promise<SqsHarness> {
  let offsetMs = 0;
  const iam = new LocalIam({ managementAccountId: ACCOUNT_ID, region: REGION });
  let sqs: LocalSqs | undefined;
  const server = await startServer({
    port: 0,
    region: REGION,
    credentials: (accessKeyId) => iam.resolveCredentials(accessKeyId),
    handlers: { sqs: (request) => sqs!.handle(request) },
  });
  sqs = new LocalSqs({ accountId: ACCOUNT_ID, region: REGION, authorize: iam.authorize, endpointUrl: server.url, now: () => Date.now() + offsetMs });
  const clients: SQSClient[] = [];
  const client = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => {
    const created = new SQSClient({ endpoint: server.url, region: REGION, credentials, maxAttempts: 1 });
    clients.push(created);
    return created;
  };
  return {
    sqs,
    iam,
    server,
    admin: client(iam.adminCredentials()),
    roleClient(name, statements) {
      const { arn } = iam.createRole(ACCOUNT_ID, {
        roleName: name,
        assumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
      });
      if (statements.length > 0) iam.putRolePolicy(ACCOUNT_ID, name, 'sqs', JSON.stringify({ Version: '2012-10-17', Statement: statements }));
      return client(iam.sessionForService(arn, 'lambda.amazonaws.com'));
    },
    advanceClock(ms) {
      offsetMs += ms;
    },
    async close() {
      for (const created of clients) created.destroy();
      sqs?.close();
      await server.close();
    },
  };
}
