// End to end, in the local cloud's Control Tower mode: `organizations create-account` works as
// Account Factory (AWSControlTowerExecution, the OU its ManagedOrganizationalUnit tag names,
// Control Tower's CreateManagedAccount event), and the deployed account-trigger applies the
// new-account rules: an account in the payments OU lands in workspace payments, an account in a
// skipped OU creates nothing, and onboarding reaches the account through AWSControlTowerExecution.
import { CreateAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, clientConfig, ensureSynthesized, eventually, FunctionLog, startTestCloud, waitForProvider, type LocalCloud } from './support.js';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

beforeAll(() => {
  ensureSynthesized();
}, 180_000);

const RULES = [
  { ouPath: 'payments', workspace: 'payments' },
  { ouPath: 'quarantine', skip: true },
];

describe('new-account rules in Control Tower mode', () => {
  let cloud: LocalCloud;
  let organizations: OrganizationsClient;
  const functionLog = new FunctionLog();

  beforeAll(async () => {
    cloud = await startTestCloud({
      propagationDelayMs: [0, 0],
      retryIntervalScale: 0.05,
      controlTower: { organizationalUnits: ['Security', 'Sandbox', 'payments', 'quarantine'] },
      // The rules as the stack would hand them over from the newAccountRules context.
      functionEnvironment: { NEW_ACCOUNT_RULES: JSON.stringify(RULES) },
      functionLog: functionLog.sink,
    });
    organizations = new OrganizationsClient(clientConfig(cloud));
  }, 120_000);

  afterAll(async () => {
    await cloud?.close();
  });

  /** create-account through Account Factory into the OU named `ou`. */
  async function createAccountIn(ou: string, name: string): Promise<string> {
    const created = await organizations.send(
      new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com`, Tags: [{ Key: 'ManagedOrganizationalUnit', Value: ou }] }),
    );
    return created.CreateAccountStatus!.AccountId!;
  }

  /** The IAM roles of `accountId`, seen through its AWSControlTowerExecution role. */
  async function rolesOf(accountId: string): Promise<string[]> {
    const { Credentials } = await new STSClient(clientConfig(cloud)).send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/AWSControlTowerExecution`, RoleSessionName: 'e2e-inspect' }),
    );
    const iam = new IAMClient({
      ...clientConfig(cloud),
      credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken },
    });
    const { Roles = [] } = await iam.send(new ListRolesCommand({}));
    return Roles.map((role) => `${role.Path}${role.RoleName}`).sort();
  }

  it('onboards an account created in the payments OU into workspace payments, through AWSControlTowerExecution', async () => {
    // Prepare
    const mark = functionLog.mark();
    // Act
    const accountId = await createAccountIn('payments', 'team-payments-prod');
    const provider = await waitForProvider(cloud, `payments.aws-${accountId}`);
    // Assess
    expect(provider).toMatchObject({ providerId: `payments.aws-${accountId}`, status: 'READY', attempt: 1 });
    expect((await api(cloud).get(`default.aws-${accountId}`)).status).toBe(404);
    expect(await rolesOf(accountId)).toEqual(['/AWSControlTowerExecution', `/capa-providers/capa-payments-aws-${accountId}`]);
    const assumed = functionLog
      .since(mark)
      .map(({ line }) => line)
      .filter((line) => line.includes('"New account onboarding"'));
    expect(assumed).toHaveLength(1);
    expect(JSON.parse(assumed[0]!.slice(assumed[0]!.indexOf('{')))).toMatchObject({ workspace: 'payments', bootstrapRoleName: 'AWSControlTowerExecution', rule: 0 });
  });

  it('creates nothing for an account in a skipped OU, and logs the skip once', async () => {
    // Prepare
    const mark = functionLog.mark();
    // Act
    const accountId = await createAccountIn('quarantine', 'team-quarantined');
    const skipped = await eventually('the skip log line', async () =>
      functionLog
        .since(mark)
        .map(({ line }) => line)
        .find((line) => line.includes('New account skipped by a rule') && line.includes(accountId)),
    );
    // Assess
    expect(JSON.parse(skipped.slice(skipped.indexOf('{')))).toMatchObject({ newAccountPlacement: 'skipped', rule: 1, accountId });
    expect((await api(cloud).get(`default.aws-${accountId}`)).status).toBe(404);
    expect((await api(cloud).get(`payments.aws-${accountId}`)).status).toBe(404);
    expect(await rolesOf(accountId)).toEqual(['/AWSControlTowerExecution']);
  });

  it('onboards an account no rule matches (default OU Sandbox) into the default workspace, also through AWSControlTowerExecution', async () => {
    // Act
    const created = await organizations.send(new CreateAccountCommand({ AccountName: 'team-sandbox', Email: 'team-sandbox@example.com' }));
    const accountId = created.CreateAccountStatus!.AccountId!;
    const provider = await waitForProvider(cloud, `default.aws-${accountId}`);
    // Assess
    expect(provider).toMatchObject({ status: 'READY' });
    expect(await rolesOf(accountId)).toEqual(['/AWSControlTowerExecution', `/capa-providers/capa-default-aws-${accountId}`]);
  });
});
