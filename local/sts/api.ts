// The STS query API: one function per operation (read the parameters, call the model, answer
// STS-shaped XML) and the table the endpoint dispatches on.
import { xmlElement } from '../core/protocol.js';
import { isoTime, optionalInteger, optionalString, requiredString, serveQuery, type QueryOperation, type QueryParams } from '../core/query.js';
import type { AwsRequest, AwsResponse, CallerIdentity } from '../core/types.js';
import type { StsModel } from './model.js';

/** One STS call: the model, the authenticated caller and the form parameters. */
export interface StsCall {
  sts: StsModel;
  caller: CallerIdentity;
  params: QueryParams;
}

type StsOperation = QueryOperation<StsCall>;

const assumeRole: StsOperation = ({ sts, caller, params }) => {
  const roleArn = requiredString(params, 'RoleArn');
  const roleSessionName = requiredString(params, 'RoleSessionName');
  const externalId = optionalString(params, 'ExternalId');
  const policy = optionalString(params, 'Policy');
  const durationSeconds = optionalInteger(params, 'DurationSeconds') ?? 3600;
  const assumed = sts.assumeRole(caller, {
    roleArn,
    roleSessionName,
    durationSeconds,
    ...(externalId !== undefined ? { externalId } : {}),
    ...(policy !== undefined ? { policy } : {}),
  });
  const { session } = assumed;
  return (
    '<Credentials>' +
    xmlElement('AccessKeyId', session.accessKeyId) +
    xmlElement('SecretAccessKey', session.secretAccessKey) +
    xmlElement('SessionToken', session.sessionToken) +
    xmlElement('Expiration', isoTime(assumed.expiresAt)) +
    '</Credentials>' +
    '<AssumedRoleUser>' +
    xmlElement('AssumedRoleId', `${session.roleId}:${session.sessionName}`) +
    xmlElement('Arn', `arn:aws:sts::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName}`) +
    '</AssumedRoleUser>' +
    xmlElement('PackedPolicySize', assumed.packedPolicySize)
  );
};

const getCallerIdentity: StsOperation = ({ sts, caller }) =>
  xmlElement('Arn', caller.arn) + xmlElement('UserId', sts.userId(caller)) + xmlElement('Account', caller.accountId);

/** The operations STS serves, by action name. */
export const operations: Readonly<Record<string, StsOperation>> = {
  AssumeRole: assumeRole,
  GetCallerIdentity: getCallerIdentity,
};

/** Serves one STS query-protocol request. */
export function handleSts(sts: StsModel, req: AwsRequest): AwsResponse {
  return serveQuery({ service: 'sts', apiVersion: '2011-06-15', operations, call: (caller, params) => ({ sts, caller, params }) }, req);
}
