// POST /workspaces/{workspace}/providers → READY on the local cloud with its default IAM propagation delay (2-5 s),
// plus what each onboarding cost in state transitions and Lambda invocations, read from the
// execution history. Usage: npm run bench -- [runs]   (synthesize first: npm run synth)
import { performance } from 'node:perf_hooks';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { startLocalCloud } from '../local/cloud.js';
import { signedFetch } from '../local/signed-fetch.js';
import { createManagementRole } from '../scripts/management-role.js';

// Lambda runs Node 22; on a Node 20 machine the SDK would print its upgrade notice here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const runs = Number(process.argv[2] ?? 5);
const cloud = await startLocalCloud({ port: 0, apiPort: 0, quiet: true, afterDeploy: createManagementRole });
const sfn = new SFNClient({ endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials });
const samples: { seconds: number; transitions: number; invocations: number; verifyAttempts: number }[] = [];

try {
  for (let run = 0; run < runs; run += 1) {
    const { accountId } = cloud.iam.inviteAccount(`bench-${run}`, `bench-${run}-${Date.now()}@example.com`);
    const started = performance.now();
    const accepted = await signedFetch(
      `${cloud.apiUrl}/workspaces/bench/providers`,
      { method: 'POST', body: { name: `run-${run}`, accountId } },
      cloud.adminCredentials,
      cloud.region,
    );
    if (accepted.status !== 202) throw new Error(`POST answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
    let provider: { status: string; executionArn: string };
    for (;;) {
      provider = (await signedFetch(`${cloud.apiUrl}/workspaces/bench/providers/run-${run}`, {}, cloud.adminCredentials, cloud.region)).body as typeof provider;
      if (provider.status === 'READY' || provider.status === 'FAILED') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - started) / 1000;
    if (provider.status !== 'READY') throw new Error(`run ${run} ended ${provider.status}`);
    // READY is recorded one step before the execution ends; count its history once it has.
    while ((await sfn.send(new DescribeExecutionCommand({ executionArn: provider.executionArn }))).status === 'RUNNING') {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { events = [] } = await sfn.send(new GetExecutionHistoryCommand({ executionArn: provider.executionArn }));
    const transitions = events.filter((event) => event.type?.endsWith('StateEntered')).length;
    const invocations = events.filter((event) => event.type === 'LambdaFunctionScheduled').length;
    const verifyAttempts = invocations - 4;
    samples.push({ seconds, transitions, invocations, verifyAttempts });
    console.log(`run ${run + 1}/${runs}: ${seconds.toFixed(2)} s POST→READY, ${transitions} transitions, ${invocations} Lambda invocations (${verifyAttempts} verify attempts)`);
  }
} finally {
  await cloud.close();
}

const sorted = samples.map((sample) => sample.seconds).sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
console.log(
  `POST→READY over ${samples.length} runs: median ${median.toFixed(2)} s, min ${sorted[0]?.toFixed(2)} s, max ${sorted.at(-1)?.toFixed(2)} s ` +
    `(propagation delay 2-5 s, real retry intervals)`,
);
