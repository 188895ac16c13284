// An in-memory stand-in for IAM, STS and EventBridge behind aws-sdk-client-mock, with just
// enough semantics (trust policies, External ID conditions, tags, propagation, throttling)
// for the workflow's decisions to be exercised. DynamoDB is real (dynalite), not faked.
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeleteConflictException,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  EntityAlreadyExistsException,
  GetPolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListPolicyVersionsCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  type Tag,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';

export const MANAGEMENT_ACCOUNT = '000000000000';

interface FakeRole {
  accountId: string;
  name: string;
  path: string;
  arn: string;
  trust: { Statement: Array<{ Principal?: { AWS?: string }; Condition?: { StringEquals?: Record<string, string> } }> };
  tags: Tag[];
  attached: Set<string>;
  inline: Map<string, string>;
}

interface FakePolicy {
  arn: string;
  name: string;
  path: string;
  document: string;
  tags: Tag[];
}

function awsError(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });
}

const meta = { $metadata: { httpStatusCode: 200 } };

export class FakeAws {
  readonly roles = new Map<string, FakeRole>();
  readonly policies = new Map<string, FakePolicy>();
  readonly events: PutEventsRequestEntry[] = [];
  readonly calls: string[] = [];
  /** Accounts whose bootstrap role does not trust the service. */
  readonly bootstrapDenied = new Set<string>();
  /** AssumeRole on a provider role is denied this many more times (IAM propagation). */
  propagationDenials = 0;
  /** Provider roles are never assumable (propagation never completes). */
  neverAssumable = false;
  /** Rewrites the trust policy IAM stores, to simulate a role that does not enforce the External ID. */
  trustOverride?: (trust: FakeRole['trust']) => FakeRole['trust'];
  private readonly throttles = new Map<string, number>();
  private readonly iamMock = mockClient(IAMClient);
  private readonly stsMock = mockClient(STSClient);
  private readonly eventsMock = mockClient(EventBridgeClient);

  constructor(
    readonly bootstrapRoleName = 'OrganizationAccountAccessRole',
    readonly managementRoleName = 'capa-management',
  ) {
    this.install();
    this.addRole(MANAGEMENT_ACCOUNT, managementRoleName, '/', { Statement: [] }, []);
  }

  restore(): void {
    this.iamMock.restore();
    this.stsMock.restore();
    this.eventsMock.restore();
  }

  /** The next `count` calls of `operation` (e.g. "CreateRole", "AssumeRole") fail with Throttling. */
  throttle(operation: string, count: number): void {
    this.throttles.set(operation, count);
  }

  addRole(accountId: string, name: string, path: string, trust: FakeRole['trust'], tags: Tag[]): FakeRole {
    const role: FakeRole = {
      accountId,
      name,
      path,
      arn: `arn:aws:iam::${accountId}:role${path}${name}`,
      trust,
      tags,
      attached: new Set(),
      inline: new Map(),
    };
    this.roles.set(`${accountId}:${name}`, role);
    return role;
  }

  role(accountId: string, name: string): FakeRole | undefined {
    return this.roles.get(`${accountId}:${name}`);
  }

  /** Provider roles and policies (everything but the management role). */
  providerResources(): string[] {
    return [
      ...[...this.roles.values()].filter((role) => role.accountId !== MANAGEMENT_ACCOUNT).map((role) => role.arn),
      ...this.policies.keys(),
    ];
  }

  private maybeThrottle(operation: string): void {
    this.calls.push(operation);
    const remaining = this.throttles.get(operation) ?? 0;
    if (remaining > 0) {
      this.throttles.set(operation, remaining - 1);
      throw awsError('Throttling', 'Rate exceeded', 400);
    }
  }

  /** IAM clients made from assumed credentials carry the account in their access key id. */
  private async accountOf(getClient: () => { config: { credentials: () => Promise<{ accessKeyId: string }> } }) {
    const credentials = await getClient().config.credentials();
    return credentials.accessKeyId.startsWith('ASIA-') ? (credentials.accessKeyId.split('-')[1] as string) : MANAGEMENT_ACCOUNT;
  }

  private requireRole(accountId: string, name: string): FakeRole {
    const role = this.role(accountId, name);
    if (!role) throw new NoSuchEntityException({ message: `Role ${name} not found`, $metadata: {} });
    return role;
  }

  private requirePolicy(arn: string): FakePolicy {
    const policy = this.policies.get(arn);
    if (!policy) throw new NoSuchEntityException({ message: `Policy ${arn} not found`, $metadata: {} });
    return policy;
  }

  private install(): void {
    const { iamMock: iam, stsMock: sts, eventsMock: events } = this;
    const on = <T>(command: T, fn: (input: any, accountId: string) => unknown) =>
      iam.on(command as never).callsFake(async (input: any, getClient: any) => {
        this.maybeThrottle((command as { name: string }).name.replace(/Command$/, ''));
        return { ...meta, ...((await fn(input, await this.accountOf(getClient))) as object) };
      });

    on(CreateRoleCommand, (input, accountId) => {
      if (this.role(accountId, input.RoleName)) {
        throw new EntityAlreadyExistsException({ message: `Role ${input.RoleName} exists`, $metadata: {} });
      }
      const trust = JSON.parse(input.AssumeRolePolicyDocument);
      const role = this.addRole(accountId, input.RoleName, input.Path ?? '/', this.trustOverride?.(trust) ?? trust, input.Tags ?? []);
      return { Role: { Arn: role.arn, RoleName: role.name, Path: role.path } };
    });
    on(GetRoleCommand, (input, accountId) => {
      const role = this.requireRole(accountId, input.RoleName);
      return {
        Role: {
          Arn: role.arn,
          RoleName: role.name,
          Path: role.path,
          Tags: role.tags,
          AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(role.trust)),
        },
      };
    });
    on(DeleteRoleCommand, (input, accountId) => {
      const role = this.requireRole(accountId, input.RoleName);
      if (role.attached.size > 0 || role.inline.size > 0) {
        throw new DeleteConflictException({ message: 'Role has policies', $metadata: {} });
      }
      this.roles.delete(`${accountId}:${input.RoleName}`);
      return {};
    });
    on(CreatePolicyCommand, (input, accountId) => {
      const arn = `arn:aws:iam::${accountId}:policy${input.Path ?? '/'}${input.PolicyName}`;
      if (this.policies.has(arn)) throw new EntityAlreadyExistsException({ message: `${arn} exists`, $metadata: {} });
      this.policies.set(arn, { arn, name: input.PolicyName, path: input.Path ?? '/', document: input.PolicyDocument, tags: input.Tags ?? [] });
      return { Policy: { Arn: arn, PolicyName: input.PolicyName, DefaultVersionId: 'v1' } };
    });
    on(GetPolicyCommand, (input) => {
      const policy = this.requirePolicy(input.PolicyArn);
      return { Policy: { Arn: policy.arn, PolicyName: policy.name, Tags: policy.tags, DefaultVersionId: 'v1' } };
    });
    on(ListPolicyVersionsCommand, (input) => {
      this.requirePolicy(input.PolicyArn);
      return { Versions: [{ VersionId: 'v1', IsDefaultVersion: true }] };
    });
    on(DeletePolicyVersionCommand, () => ({}));
    on(DeletePolicyCommand, (input) => {
      this.requirePolicy(input.PolicyArn);
      const attached = [...this.roles.values()].some((role) => role.attached.has(input.PolicyArn));
      if (attached) throw new DeleteConflictException({ message: 'Policy is attached', $metadata: {} });
      this.policies.delete(input.PolicyArn);
      return {};
    });
    on(AttachRolePolicyCommand, (input, accountId) => {
      this.requirePolicy(input.PolicyArn);
      this.requireRole(accountId, input.RoleName).attached.add(input.PolicyArn);
      return {};
    });
    on(DetachRolePolicyCommand, (input, accountId) => {
      const role = this.requireRole(accountId, input.RoleName);
      if (!role.attached.delete(input.PolicyArn)) {
        throw new NoSuchEntityException({ message: 'Policy not attached', $metadata: {} });
      }
      return {};
    });
    on(ListAttachedRolePoliciesCommand, (input, accountId) => ({
      AttachedPolicies: [...this.requireRole(accountId, input.RoleName).attached].map((arn) => ({ PolicyArn: arn })),
    }));
    on(GetRolePolicyCommand, (input, accountId) => {
      const document = this.requireRole(accountId, input.RoleName).inline.get(input.PolicyName);
      if (!document) throw new NoSuchEntityException({ message: 'No such inline policy', $metadata: {} });
      return { RoleName: input.RoleName, PolicyName: input.PolicyName, PolicyDocument: encodeURIComponent(document) };
    });
    on(PutRolePolicyCommand, (input, accountId) => {
      this.requireRole(accountId, input.RoleName).inline.set(input.PolicyName, input.PolicyDocument);
      return {};
    });
    on(DeleteRolePolicyCommand, (input, accountId) => {
      this.requireRole(accountId, input.RoleName).inline.delete(input.PolicyName);
      return {};
    });

    sts.on(AssumeRoleCommand).callsFake(async (input: any) => {
      this.maybeThrottle('AssumeRole');
      const [, , , , accountId = '', resource = ''] = String(input.RoleArn).split(':');
      const name = resource.split('/').pop() ?? '';
      const denied = () => awsError('AccessDenied', `not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`, 403);
      if (name === this.bootstrapRoleName) {
        if (this.bootstrapDenied.has(accountId)) throw denied();
      } else {
        const role = this.role(accountId, name);
        if (!role || this.neverAssumable) throw denied();
        if (this.propagationDenials > 0) {
          this.propagationDenials -= 1;
          throw denied();
        }
        const trusted = role.trust.Statement.some((statement) => {
          if (statement.Principal?.AWS !== `arn:aws:iam::${MANAGEMENT_ACCOUNT}:root`) return false;
          const required = statement.Condition?.StringEquals?.['sts:ExternalId'];
          return required === undefined || required === input.ExternalId;
        });
        if (!trusted) throw denied();
      }
      return {
        ...meta,
        Credentials: {
          AccessKeyId: `ASIA-${accountId}-${this.calls.length}`,
          SecretAccessKey: 'secret',
          SessionToken: 'token',
          Expiration: new Date(Date.now() + 900_000),
        },
        AssumedRoleUser: { Arn: `arn:aws:sts::${accountId}:assumed-role/${name}/${input.RoleSessionName}`, AssumedRoleId: 'AROA:x' },
      };
    });

    events.on(PutEventsCommand).callsFake(async (input: any) => {
      this.maybeThrottle('PutEvents');
      this.events.push(...input.Entries);
      return { ...meta, FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'e' })) };
    });
  }
}
