// The Organizations JSON 1.1 API: one function per operation (read the body, authorize, call the
// model, answer JSON) and the table the endpoint dispatches on. Only the management account may call.
import { asAwsError, jsonError, jsonResponse } from '../core/protocol.js';
import { missingAuthentication } from '../core/query.js';
import { AwsServiceError, type AwsRequest, type AwsResponse, type Authorize, type CallerIdentity } from '../core/types.js';
import { DEFAULT_BOOTSTRAP_ROLE, invalidInput, type OrganizationsModel } from './model.js';
import { operationNamed } from '../core/operations.js';
import { hierarchyOperations } from './hierarchy-api.js';
import { pageOf } from './paging.js';
import { accountJson, field, statusJson, tagsParam } from './wire.js';

/** One Organizations call: the model, the parameters, and authorization of this action on a resource. */
export interface OrganizationsCall {
  org: OrganizationsModel;
  params: Record<string, unknown>;
  authorize(resource: string): void;
  caller: CallerIdentity;
}

type OrganizationsOperation = (call: OrganizationsCall) => unknown;

const createAccount: OrganizationsOperation = ({ org, params, authorize }) => {
  authorize(org.organizationArn());
  const roleName = typeof params.RoleName === 'string' && params.RoleName !== '' ? params.RoleName : DEFAULT_BOOTSTRAP_ROLE;
  const status = org.createAccount(field(params, 'AccountName'), field(params, 'Email'), { roleName, tags: tagsParam(params) });
  return { CreateAccountStatus: statusJson(status) };
};

const describeCreateAccountStatus: OrganizationsOperation = ({ org, params, authorize }) => {
  authorize(org.organizationArn());
  const status = org.findCreateAccountStatus(field(params, 'CreateAccountRequestId'));
  if (status === undefined) {
    throw new AwsServiceError('CreateAccountStatusNotFoundException', "We can't find an create account request with the CreateAccountRequestId that you specified.", 400);
  }
  return { CreateAccountStatus: statusJson(status) };
};

const listCreateAccountStatus: OrganizationsOperation = ({ org, params, authorize }) => {
  authorize(org.organizationArn());
  const states = Array.isArray(params.States) ? (params.States as unknown[]).map(String) : undefined;
  return { CreateAccountStatuses: org.createAccountStatuses(states).map(statusJson) };
};

const describeAccount: OrganizationsOperation = ({ org, params, authorize }) => {
  const id = field(params, 'AccountId');
  authorize(org.accountArn(id));
  const account = org.findAccount(id);
  if (account === undefined) throw new AwsServiceError('AccountNotFoundException', "You specified an account that doesn't exist.", 400);
  return { Account: accountJson(org, account) };
};

const listAccounts: OrganizationsOperation = ({ org, params, authorize }) => {
  authorize(org.organizationArn());
  const { items, nextToken } = pageOf(org.accounts(), params);
  return { Accounts: items.map((a) => accountJson(org, a)), ...(nextToken !== undefined ? { NextToken: nextToken } : {}) };
};

const describeOrganization: OrganizationsOperation = ({ org, authorize }) => {
  authorize(org.organizationArn());
  return {
    Organization: {
      Id: org.organizationId,
      Arn: org.organizationArn(),
      FeatureSet: 'ALL',
      MasterAccountArn: org.accountArn(org.managementAccountId),
      MasterAccountId: org.managementAccountId,
      MasterAccountEmail: org.findAccount(org.managementAccountId)?.email,
      AvailablePolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }],
    },
  };
};

const closeAccount: OrganizationsOperation = ({ org, params, authorize, caller }) => {
  const id = field(params, 'AccountId');
  authorize(org.accountArn(id));
  org.closeAccount(id, caller);
  return {};
};

const removeAccountFromOrganization: OrganizationsOperation = ({ org, params, authorize, caller }) => {
  const id = field(params, 'AccountId');
  authorize(org.accountArn(id));
  org.removeAccount(id, caller);
  return {};
};

const leaveOrganization: OrganizationsOperation = ({ org, authorize, caller }) => {
  authorize('*');
  org.leaveOrganization(caller);
  return {};
};

/** The operations Organizations serves, by action name. */
export const operations: Readonly<Record<string, OrganizationsOperation>> = {
  CreateAccount: createAccount,
  DescribeCreateAccountStatus: describeCreateAccountStatus,
  ListCreateAccountStatus: listCreateAccountStatus,
  DescribeAccount: describeAccount,
  ListAccounts: listAccounts,
  DescribeOrganization: describeOrganization,
  CloseAccount: closeAccount,
  RemoveAccountFromOrganization: removeAccountFromOrganization,
  LeaveOrganization: leaveOrganization,
  ...hierarchyOperations,
};

/** Operations a member account calls on its own membership (every other one is the management account's). */
const MEMBER_OPERATIONS: ReadonlySet<string> = new Set(['LeaveOrganization']);

function callerOf(org: OrganizationsModel, req: AwsRequest): CallerIdentity {
  const caller = req.caller;
  if (caller === undefined) throw missingAuthentication('organizations');
  if (caller.accountId !== org.managementAccountId && !MEMBER_OPERATIONS.has(req.action)) {
    throw new AwsServiceError('AccessDeniedException', "You don't have permissions to access this resource.", 400);
  }
  return caller;
}

/** Serves one Organizations request; errors are answered in the JSON protocol's shape. */
export function handleOrganizations(org: OrganizationsModel, authorize: Authorize, req: AwsRequest): AwsResponse {
  try {
    const caller = callerOf(org, req);
    const operation = operationNamed(operations, req.action);
    if (operation === undefined) throw new AwsServiceError('UnknownOperationException', `The local cloud's Organizations does not implement ${req.action}`, 400);
    const call: OrganizationsCall = { org, params: req.params, caller, authorize: (resource) => authorize(caller, `organizations:${req.action}`, resource) };
    return jsonResponse(operation(call));
  } catch (error) {
    return jsonError(asAwsError(error));
  }
}
