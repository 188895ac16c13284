// Page tokens of GET /workspaces/{workspace}/providers: opaque to clients, checked on the way back in, and
// bound to the workspace of the query that issued them.
//
// Why no signature: a keyed MAC needs a secret shared by every instance of the function, which
// CloudFormation can only generate through Secrets Manager, a service the local cloud does not
// deploy. So a token carries only a position (the last provider name of the page) and a checksum,
// and is validated strictly instead. The checksum catches a token that was altered or truncated;
// it is not a signature. The worst a client that rebuilds a token can do is start a page after a
// name of its choice in the workspace it asked for, which is what it reads by paging from the
// start. Nothing else from the token reaches DynamoDB: the start key is rebuilt from the query's
// workspace and a name that must be a DNS label. The page size is not bound: a token is a position
// in name order, and any limit from that position neither skips nor repeats a provider.
import { createHash } from 'node:crypto';
import { DNS_LABEL } from './provider.js';

export class InvalidPageToken extends Error {
  override readonly name = 'InvalidPageToken';
}

const VERSION = '1';
/** Far above any token this module issues (two DNS labels and a checksum), so garbage is refused unread. */
const MAX_TOKEN_LENGTH = 256;

function checksumOf(workspace: string, lastName: string): string {
  return createHash('sha256').update(`${VERSION}\n${workspace}\n${lastName}`).digest('hex').slice(0, 16);
}

/** The token for the page that follows `lastName` in `workspace`. */
export function pageTokenOf(workspace: string, lastName: string): string {
  return Buffer.from([VERSION, workspace, lastName, checksumOf(workspace, lastName)].join('\n')).toString('base64url');
}

/** The provider name a token continues after, for a query on `workspace`; InvalidPageToken otherwise. */
export function nameAfterPageToken(token: string, workspace: string): string {
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) throw notIssued();
  const text = Buffer.from(token, 'base64url').toString('utf8');
  // Only the canonical encoding is accepted, so one position has exactly one token.
  if (Buffer.from(text).toString('base64url') !== token) throw notIssued();
  const [version, tokenWorkspace, lastName, checksum, ...rest] = text.split('\n');
  if (version !== VERSION || tokenWorkspace === undefined || lastName === undefined || rest.length > 0) throw notIssued();
  if (!DNS_LABEL.test(tokenWorkspace) || !DNS_LABEL.test(lastName) || checksum !== checksumOf(tokenWorkspace, lastName)) {
    throw notIssued();
  }
  if (tokenWorkspace !== workspace) throw new InvalidPageToken('nextToken was issued for another query: ask again without it');
  return lastName;
}

function notIssued(): InvalidPageToken {
  return new InvalidPageToken('nextToken is not a token this API issued');
}
