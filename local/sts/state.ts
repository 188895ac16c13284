// The persisted sessions of STS: plain JSON, so snapshot/restore is a copy.
import type { PolicyDocument } from '../core/types.js';

export interface SessionRecord {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  roleArn: string;
  roleName: string;
  roleId: string;
  sessionName: string;
  sessionPolicy?: PolicyDocument;
  /** epoch ms; absent for service sessions (a function's role credentials), which do not expire locally. */
  expiresAt?: number;
}

/** Live sessions keyed by their access key id. */
export type Sessions = Record<string, SessionRecord>;
