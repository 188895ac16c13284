// IAM users of the local cloud: only the local administrator, an IAM user of the management account
// with AdministratorAccess and long-term access keys, as an AWS account is best administered (the
// root user has no keys and, as in AWS, could not assume roles anyway). Built in, not persisted:
// it is the same at every start, and no user API changes it.
export const ADMIN_ACCESS_KEY_ID = 'LOCALADMINACCESSKEY0';
export const ADMIN_SECRET_ACCESS_KEY = 'local-admin-secret';
export const ADMIN_USER_NAME = 'local-admin';
/** The user's unique id (AIDA...), fixed so that `aws:userid` and GetCallerIdentity are stable. */
const ADMIN_USER_ID = 'AIDALOCALADMIN0000000';
const ADMINISTRATOR_ACCESS = 'arn:aws:iam::aws:policy/AdministratorAccess';

export interface AccessKeyRecord {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface UserRecord {
  accountId: string;
  userName: string;
  userId: string;
  arn: string;
  /** Inline policies by name. */
  inlinePolicies: Record<string, string>;
  attachedPolicyArns: string[];
  accessKeys: AccessKeyRecord[];
}

/** The local administrator of `accountId` (the management account). */
export function localAdministrator(accountId: string): UserRecord {
  return {
    accountId,
    userName: ADMIN_USER_NAME,
    userId: ADMIN_USER_ID,
    arn: `arn:aws:iam::${accountId}:user/${ADMIN_USER_NAME}`,
    inlinePolicies: {},
    attachedPolicyArns: [ADMINISTRATOR_ACCESS],
    accessKeys: [{ accessKeyId: ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN_SECRET_ACCESS_KEY }],
  };
}

/** The users of every account, found by ARN or by one of their access keys. */
export class UserDirectory {
  private readonly byArn = new Map<string, UserRecord>();

  add(user: UserRecord): void {
    this.byArn.set(user.arn, user);
  }

  find(userArn: string): UserRecord | undefined {
    return this.byArn.get(userArn);
  }

  /** The user owning a long-term access key, with that key's secret. */
  findByAccessKey(accessKeyId: string): { user: UserRecord; secretAccessKey: string } | undefined {
    for (const user of this.byArn.values()) {
      const key = user.accessKeys.find((candidate) => candidate.accessKeyId === accessKeyId);
      if (key !== undefined) return { user, secretAccessKey: key.secretAccessKey };
    }
    return undefined;
  }
}
