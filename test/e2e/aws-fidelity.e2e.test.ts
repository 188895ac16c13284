// End to end: the deployed stack on the local cloud refuses what AWS refuses. A POST signed 400
// days ago, a credential scoped to a region the cloud does not run, and a body swapped under an
// UNSIGNED-PAYLOAD signature never reach the API function; and the local administrator is a
// principal AWS would let assume the accounts' bootstrap roles: an IAM user, not the root user.
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeSha256, signedFetch } from '../../local/signed-fetch.js';
import { api, clientConfig, ensureSynthesized, startTestCloud, type LocalCloud } from './support.js';

const DAY = 24 * 60 * 60_000;

let cloud: LocalCloud;

beforeAll(async () => {
  ensureSynthesized();
  cloud = await startTestCloud({ propagationDelayMs: [0, 0] });
}, 180_000);

afterAll(async () => {
  await cloud?.close();
});

/** POST /workspaces/fidelity/providers signed by the local administrator over `signedBody`, sent with `sentBody`. */
async function post(options: { signedBody: string; sentBody?: string; signedAt?: number; headers?: Record<string, string> }) {
  const url = new URL(`${cloud.apiUrl}/workspaces/fidelity/providers`);
  const signer = new SignatureV4({ service: 'execute-api', region: cloud.region, sha256: NodeSha256, credentials: cloud.adminCredentials });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      headers: { host: url.host, 'content-type': 'application/json', ...options.headers },
      body: options.signedBody,
    },
    { signingDate: new Date(options.signedAt ?? Date.now()) },
  );
  const response = await fetch(url, { method: 'POST', headers: signed.headers, body: options.sentBody ?? options.signedBody });
  return { status: response.status, errorType: response.headers.get('x-amzn-errortype'), body: (await response.json()) as { message: string } };
}

const providerRequest = (name: string, accountId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ name, accountId, ...extra });

describe('the REST API authenticates like API Gateway', () => {
  it('refuses a POST signed 400 days ago and creates no provider', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-fidelity-stale', 'fidelity-stale@example.com');
    // Act
    const response = await post({ signedBody: providerRequest('stale', accountId), signedAt: Date.now() - 400 * DAY });
    const lookup = await api(cloud).get('fidelity.stale');
    // Assess
    expect(response.status).toBe(403);
    expect(response.errorType).toBe('InvalidSignatureException');
    expect(response.body.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
    expect(lookup.status).toBe(404);
  });

  it('refuses a body swapped under an UNSIGNED-PAYLOAD signature and creates no provider', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-fidelity-swap', 'fidelity-swap@example.com');
    const signedBody = providerRequest('swap', accountId);
    const sentBody = providerRequest('swap', accountId, { externalId: 'attacker-chosen-external-id' });
    // Act
    const response = await post({ signedBody, sentBody, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    const lookup = await api(cloud).get('fidelity.swap');
    // Assess
    expect(response).toEqual({
      status: 403,
      errorType: 'InvalidSignatureException',
      body: {
        message:
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      },
    });
    expect(lookup.status).toBe(404);
  });

  it('refuses a credential scoped to eu-west-9', async () => {
    // Act
    const response = await signedFetch(`${cloud.apiUrl}/workspaces/fidelity/providers/anything`, {}, cloud.adminCredentials, 'eu-west-9');
    // Assess
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ message: "Credential should be scoped to a valid region, not 'eu-west-9'." });
  });
});

describe('the AWS endpoint authenticates like AWS', () => {
  it('refuses an SDK client signing for eu-west-9', async () => {
    // Prepare
    const sts = new STSClient({ ...clientConfig(cloud), region: 'eu-west-9', maxAttempts: 1 });
    // Act
    const attempt = sts.send(new GetCallerIdentityCommand({}));
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', message: "Credential should be scoped to a valid region, not 'eu-west-9'." });
  });
});

describe('the local administrator', () => {
  it('is the IAM user local-admin, which assumes a member account\'s bootstrap role as AWS allows', async () => {
    // Prepare
    const { accountId } = cloud.iam.inviteAccount('team-fidelity-admin', 'fidelity-admin@example.com');
    const sts = new STSClient(clientConfig(cloud));
    // Act
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/OrganizationAccountAccessRole`, RoleSessionName: 'admin' }));
    // Assess
    expect(identity.Arn).toBe('arn:aws:iam::000000000000:user/local-admin');
    expect(assumed.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${accountId}:assumed-role/OrganizationAccountAccessRole/admin`);
  });
});
