// Organizations requests shaped as the AWS CLI sends them (`aws organizations list-parents
// --child-id ...`): SigV4 for the "organizations" service, JSON 1.1 with X-Amz-Target, served by
// the local cloud's real endpoint, which checks the signature.
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type LocalServer } from '../../../local/core/server.js';
import { LocalIam } from '../../../local/iam/index.js';
import { NodeSha256 } from '../../../local/signed-fetch.js';

let local: LocalIam;
let server: LocalServer;

beforeEach(async () => {
  local = new LocalIam();
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    credentials: (accessKeyId) => local.resolveCredentials(accessKeyId),
    handlers: { organizations: (req) => local.handleOrganizations(req), iam: (req) => local.handleIam(req), sts: (req) => local.handleSts(req) },
  });
});

afterEach(async () => {
  await server.close();
});

/** POSTs `body` for `operation` exactly as the AWS CLI v2 does (us-east-1, organizations). */
async function cli(operation: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(server.url);
  const text = JSON.stringify(body);
  const signer = new SignatureV4({ service: 'organizations', region: 'us-east-1', credentials: local.adminCredentials(), sha256: NodeSha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSOrganizationsV20161128.${operation}` },
    body: text,
  });
  const response = await fetch(server.url, { method: 'POST', headers: signed.headers as Record<string, string>, body: text });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('CLI-shaped Organizations requests', () => {
  it('answers list-parents --child-id with the parent, and an unknown child with ChildNotFoundException', async () => {
    // Prepare
    const { accountId } = local.createAccount('cli-child', 'cli-child@example.com');
    const roots = await cli('ListRoots', {});
    const rootId = (roots.body.Roots as Array<{ Id: string }>)[0]!.Id;
    // Act
    const parents = await cli('ListParents', { ChildId: accountId });
    const unknown = await cli('ListParents', { ChildId: '123456789012' });
    // Assess
    expect(parents).toEqual({ status: 200, body: { Parents: [{ Id: rootId, Type: 'ROOT' }] } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.__type).toBe('ChildNotFoundException');
  });

  it('creates an OU and moves an account into it as create-organizational-unit and move-account send them', async () => {
    // Prepare
    const { accountId } = local.createAccount('cli-mover', 'cli-mover@example.com');
    const rootId = ((await cli('ListRoots', {})).body.Roots as Array<{ Id: string }>)[0]!.Id;
    // Act
    const created = await cli('CreateOrganizationalUnit', { ParentId: rootId, Name: 'payments', Tags: [{ Key: 'team', Value: 'payments' }] });
    const unitId = (created.body.OrganizationalUnit as { Id: string }).Id;
    const moved = await cli('MoveAccount', { AccountId: accountId, SourceParentId: rootId, DestinationParentId: unitId });
    const parents = await cli('ListParents', { ChildId: accountId });
    // Assess
    expect(created.status).toBe(200);
    expect(moved).toEqual({ status: 200, body: {} });
    expect(parents.body).toEqual({ Parents: [{ Id: unitId, Type: 'ORGANIZATIONAL_UNIT' }] });
  });
});
