// The product's local commands, on the local cloud:
//   npm start                     synthesize (when an input changed), deploy the stack locally, serve it until Ctrl-C
//   npm run demo                  a complete story on a fresh in-memory cloud, then its timelines, then the fleet act (--no-fleet skips it)
//   npm run history -- <id>       a provider's executions, as the console's execution history
import { performance } from 'node:perf_hooks';
import { startLocalCloud } from '../local/cloud.js';
import { ADMIN_USER_NAME } from '../local/iam/index.js';
import { demo } from './demo.js';
import { history } from './history.js';
import { localStartSettings, SettingError } from './local-settings.js';
import { createManagementRole } from './management-role.js';
import { synthesizeUnlessSkipped } from './synth.js';

// Lambda runs Node 22; on a Node 20 machine the SDK would print its upgrade notice here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Resolves at the first Ctrl-C (SIGINT) or SIGTERM; a second one then ends the process at once. */
function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function start(args: string[]): Promise<void> {
  const started = performance.now();
  const { stateDir, cloud: settings } = localStartSettings(process.env);
  await synthesizeUnlessSkipped(args);
  const cloud = await startLocalCloud({ stateDir, ...settings, afterDeploy: createManagementRole });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const api = cloud.apiUrl;
  const { accessKeyId, secretAccessKey } = cloud.adminCredentials;
  console.log(`
Local cloud ready in ${seconds} s (state in ${stateDir}/; Ctrl-C to stop)

  AWS endpoint   ${cloud.endpoint}    (IAM, STS, Organizations, EventBridge, Step Functions, DynamoDB, Lambda)
  REST API       ${api}    (IAM auth: SigV4, service execute-api)
  account        ${cloud.accountId}  region ${cloud.region}
  credentials    AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey}
                 (IAM user ${ADMIN_USER_NAME} of account ${cloud.accountId}, AdministratorAccess)

Try it (a member account, then a provider for it):

  export AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} AWS_DEFAULT_REGION=${cloud.region}
  ACCOUNT=$(aws --endpoint-url ${cloud.endpoint} organizations create-account --account-name team-payments-dev \\
      --email payments-dev@example.com --query CreateAccountStatus.AccountId --output text)
  curl -s --aws-sigv4 "aws:amz:${cloud.region}:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \\
      -H 'content-type: application/json' -X POST ${api}/workspaces/payments/providers \\
      -d "{\\"name\\":\\"dev\\",\\"accountId\\":\\"$ACCOUNT\\"}"
  curl -s --aws-sigv4 "aws:amz:${cloud.region}:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" ${api}/workspaces/payments/providers/dev
  curl -s --aws-sigv4 "aws:amz:${cloud.region}:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \\
      -H 'accept: application/yaml' ${api}/workspaces/payments/providers/dev/cluster-identity
  npm run history -- payments.dev

(create-account also fires the new-account trigger: provider default.aws-$ACCOUNT appears too.)
${settings.controlTower !== undefined ? controlTowerHint(cloud.endpoint) : ''}`);
  await stopRequested();
  console.log('\nStopping: running executions get 10 s to finish; any still running resume at the next start (Ctrl-C again to stop at once).');
  await cloud.close();
  console.log(`Stopped; state saved in ${stateDir}/.`);
}

function controlTowerHint(endpoint: string): string {
  return `
Control Tower mode: create-account works as Account Factory (role AWSControlTowerExecution, the OU
named by the ManagedOrganizationalUnit tag, default Sandbox, and a CreateManagedAccount event):

  aws --endpoint-url ${endpoint} organizations create-account --account-name team-sandbox \\
      --email sandbox@example.com --tags Key=ManagedOrganizationalUnit,Value=Sandbox
`;
}

const [command, ...rest] = process.argv.slice(2);
const commands: Record<string, (args: string[]) => Promise<void>> = { start, demo, history };
const run = commands[command ?? ''];
if (!run) {
  console.error('usage: local-cloud.ts start | demo | history <providerId>');
  process.exitCode = 2;
} else {
  run(rest).catch((error: unknown) => {
    // A bad setting is the user's to fix: its message says which and how, a stack trace would not.
    if (error instanceof SettingError) {
      console.error(error.message);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
