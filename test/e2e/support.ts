// Helpers for the end-to-end suite: the real synthesized stack on the local cloud, driven through
// HTTP (SigV4) and the real AWS SDK clients.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { LocalCloud } from '../../local/cloud.js';
import { signedFetch, type SignedResponse } from '../../local/signed-fetch.js';

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');
export const CDK_OUT = join(PROJECT_ROOT, 'cdk.out');

function newestMtime(path: string): number {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(stats.mtimeMs, ...readdirSync(path).map((entry) => newestMtime(join(path, entry))));
}

/** Synthesizes cdk.out unless it is newer than every source the stack is built from. */
export function ensureSynthesized(): void {
  const manifest = join(CDK_OUT, 'manifest.json');
  const sources = ['bin', 'lib', 'functions', 'statemachine', 'cdk.json', 'package-lock.json'].map((p) => join(PROJECT_ROOT, p));
  if (existsSync(manifest) && statSync(manifest).mtimeMs > Math.max(...sources.map(newestMtime))) return;
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cdk synth failed:\n${result.stdout}\n${result.stderr}`);
}

export function api(cloud: LocalCloud) {
  const call = (method: string, path: string, body?: unknown): Promise<SignedResponse> =>
    signedFetch(`${cloud.apiUrl}${path}`, { method, body }, cloud.adminCredentials, cloud.region);
  return {
    post: (body: unknown) => call('POST', '/providers', body),
    postRaw: (rawBody: string) =>
      signedFetch(`${cloud.apiUrl}/providers`, { method: 'POST', rawBody }, cloud.adminCredentials, cloud.region),
    get: (providerId: string) => call('GET', `/providers/${providerId}`),
    list: (workspace: string, query = '') => call('GET', `/providers?workspace=${workspace}${query}`),
  };
}

export interface ProviderBody {
  providerId: string;
  status: string;
  reason: string | null;
  message: string | null;
  roleArn: string;
  roleName: string;
  externalId: string;
  executionArn: string;
  attempt: number;
}

/** Polls GET /providers/{id} until the provider is READY or FAILED. */
export async function waitForProvider(cloud: LocalCloud, providerId: string, timeoutMs = 60_000): Promise<ProviderBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await api(cloud).get(providerId);
    const provider = response.body as ProviderBody;
    if (response.status === 200 && (provider.status === 'READY' || provider.status === 'FAILED')) return provider;
    if (Date.now() > deadline) throw new Error(`${providerId} still ${provider?.status ?? response.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function clientConfig(cloud: LocalCloud) {
  return { endpoint: cloud.endpoint, region: cloud.region, credentials: cloud.adminCredentials };
}

/** An IAM client acting in a member account through its bootstrap role, as an administrator would. */
export async function memberIam(cloud: LocalCloud, accountId: string): Promise<IAMClient> {
  const sts = new STSClient(clientConfig(cloud));
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: 'e2e-inspect' }),
  );
  return new IAMClient({
    endpoint: cloud.endpoint,
    region: cloud.region,
    credentials: {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken,
    },
  });
}
