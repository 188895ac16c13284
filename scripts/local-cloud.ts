// The product's local commands, on the local cloud:
//   npm start                     synthesize (when an input changed), deploy the stack locally, serve it until Ctrl-C
//   npm run demo                  a complete story on a fresh in-memory cloud, then its timelines, then the fleet act (--no-fleet skips it)
//   npm run history -- <id>       a provider's executions, as the console's execution history
import { performance } from 'node:perf_hooks';
import { startLocalCloud } from '../local/cloud.js';
import { ADMIN_USER_NAME } from '../local/iam/index.js';
import type { LandingZoneOptions } from '../local/organizations/control-tower.js';
import { demo } from './demo.js';
import { history } from './history.js';
import { createManagementRole } from './management-role.js';
import { synthesizeUnlessSkipped } from './synth.js';

// Lambda runs Node 22; on a Node 20 machine the SDK would print its upgrade notice here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** "2000-5000" or "3000" (milliseconds). */
function delayRange(value: string | undefined): [number, number] | undefined {
  if (!value) return undefined;
  const [min, max = min] = value.split('-').map(Number);
  if (!Number.isFinite(min) || !Number.isFinite(max) || (min as number) < 0 || (max as number) < (min as number)) {
    throw new Error(`LOCAL_PROPAGATION_DELAY_MS must be "<ms>" or "<min>-<max>", got ${value}`);
  }
  return [min as number, max as number];
}

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new Error(`${name} must be a port number, got ${value}`);
  return parsed;
}

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

/** LOCAL_BACKGROUND_NICE: the nice value (0-19) of Lambda workers the REST API does not use; default 10. */
function backgroundNiceness(value: string | undefined): number {
  if (value === undefined || value === '') return 10;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 19) throw new Error(`LOCAL_BACKGROUND_NICE must be an integer from 0 to 19, got ${value}`);
  return parsed;
}

/**
 * LOCAL_LAMBDA_CONCURRENCY: invocations of one function running at once (a worker thread each);
 * default 4. LOCAL_API_LAMBDA_CONCURRENCY: the same for a function the REST API invokes; default 8.
 */
function lambdaConcurrency(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 1_000) throw new Error(`${name} must be an integer from 1 to 1000, got ${value}`);
  return parsed;
}

/** LOCAL_SCHEDULES: "on" (default) fires scheduled rules by the clock, "off" never (run a sweep with StartExecution). */
function schedulesSwitch(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`LOCAL_SCHEDULES must be "on" or "off", got ${value}`);
}

/**
 * LOCAL_CONTROL_TOWER=1 turns on Control Tower mode; LOCAL_CONTROL_TOWER_OUS (comma-separated,
 * default "Security,Sandbox") and LOCAL_CONTROL_TOWER_DEFAULT_OU (default "Sandbox") shape the landing zone.
 */
function controlTowerOf(env: NodeJS.ProcessEnv): LandingZoneOptions | undefined {
  const value = env.LOCAL_CONTROL_TOWER;
  if (value === undefined || value === '' || value === '0' || value === 'off') return undefined;
  if (value !== '1' && value !== 'on') throw new Error(`LOCAL_CONTROL_TOWER must be "1"/"on" or "0"/"off", got ${value}`);
  const ous = env.LOCAL_CONTROL_TOWER_OUS?.split(',').map((name) => name.trim()).filter((name) => name !== '');
  return {
    ...(ous !== undefined && ous.length > 0 ? { organizationalUnits: ous } : {}),
    ...(env.LOCAL_CONTROL_TOWER_DEFAULT_OU ? { defaultOrganizationalUnit: env.LOCAL_CONTROL_TOWER_DEFAULT_OU } : {}),
  };
}

async function start(args: string[]): Promise<void> {
  const started = performance.now();
  const env = process.env;
  const propagationDelayMs = delayRange(env.LOCAL_PROPAGATION_DELAY_MS);
  const stateDir = env.LOCAL_STATE_DIR ?? '.local';
  const controlTower = controlTowerOf(env);
  const concurrency = lambdaConcurrency(env.LOCAL_LAMBDA_CONCURRENCY, 'LOCAL_LAMBDA_CONCURRENCY');
  const apiConcurrency = lambdaConcurrency(env.LOCAL_API_LAMBDA_CONCURRENCY, 'LOCAL_API_LAMBDA_CONCURRENCY');
  await synthesizeUnlessSkipped(args);
  const cloud = await startLocalCloud({
    stateDir,
    port: port(env.LOCAL_PORT, 'LOCAL_PORT', 4566),
    apiPort: port(env.LOCAL_API_PORT, 'LOCAL_API_PORT', 3000),
    ...(env.LOCAL_HOST ? { host: env.LOCAL_HOST } : {}),
    ...(propagationDelayMs ? { propagationDelayMs } : {}),
    schedules: schedulesSwitch(env.LOCAL_SCHEDULES),
    backgroundNiceness: backgroundNiceness(env.LOCAL_BACKGROUND_NICE),
    ...(concurrency !== undefined ? { lambdaConcurrency: concurrency } : {}),
    ...(apiConcurrency !== undefined ? { apiLambdaConcurrency: apiConcurrency } : {}),
    ...(controlTower !== undefined ? { controlTower } : {}),
    afterDeploy: createManagementRole,
  });
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
${controlTower !== undefined ? controlTowerHint(cloud.endpoint) : ''}`);
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
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
