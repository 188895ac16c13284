// The child side of test/support/cloud-process.ts: startLocalCloud with a state directory and the
// options a scenario needs (fault rules, retry scale, function environment), as `npm start` runs it,
// printing every function log line and cloud log line to stdout, and one READY line once serving.
import { startLocalCloud, type LocalCloudOptions } from '../../local/cloud.js';
import { createManagementRole } from '../../scripts/management-role.js';
import { READY_MARKER } from './cloud-process.js';

// Lambda runs Node 22; on a Node 20 machine the SDK would print its upgrade notice here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const options = JSON.parse(process.env.CLOUD_PROCESS_OPTIONS ?? '{}') as LocalCloudOptions;
const cloud = await startLocalCloud({
  port: 0,
  apiPort: 0,
  ...options,
  afterDeploy: createManagementRole,
  functionLog: (functionName, line) => process.stdout.write(`[${functionName}] ${line}\n`),
  log: (line) => process.stdout.write(`[local] ${line}\n`),
});
process.stdout.write(
  `${READY_MARKER}${JSON.stringify({ endpoint: cloud.endpoint, apiUrl: cloud.apiUrl, credentials: cloud.adminCredentials, region: cloud.region })}\n`,
);

const stop = () => {
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  void cloud.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
