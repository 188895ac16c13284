// The query protocol (IAM, STS): reading the flat form parameters (`Name.member.N` lists) and
// dispatching an action to its operation, answered as <ActionResponse> XML or an <ErrorResponse>.
import { asAwsError, queryError, queryResponse } from './protocol.js';
import { AwsServiceError, type AwsRequest, type AwsResponse, type CallerIdentity, type ServiceName } from './types.js';
import { operationNamed } from './operations.js';

export type QueryParams = Record<string, unknown>;

/** A key/value pair as the query protocol lists tags (`Tags.member.N.Key` / `.Value`). */
export interface QueryTag {
  Key: string;
  Value: string;
}

/** `RoleName` → `roleName`, the way AWS names fields in validation messages. */
function fieldName(param: string): string {
  return param.charAt(0).toLowerCase() + param.slice(1);
}

export function optionalString(params: QueryParams, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  return String(value);
}

export function requiredString(params: QueryParams, name: string): string {
  const value = optionalString(params, name);
  if (value === undefined) {
    throw new AwsServiceError(
      'ValidationError',
      `1 validation error detected: Value null at '${fieldName(name)}' failed to satisfy constraint: Member must not be null`,
      400,
    );
  }
  return value;
}

export function optionalInteger(params: QueryParams, name: string): number | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) {
    throw new AwsServiceError('ValidationError', `1 validation error detected: Value '${value}' at '${fieldName(name)}' failed to satisfy constraint: Member must be an integer`, 400);
  }
  return n;
}

export function optionalBoolean(params: QueryParams, name: string): boolean | undefined {
  const value = optionalString(params, name);
  return value === undefined ? undefined : value.toLowerCase() === 'true';
}

/** `Name.member.1`, `Name.member.2`, ... in index order. */
export function memberList(params: QueryParams, name: string): string[] {
  const prefix = `${name}.member.`;
  const entries: Array<[number, string]> = [];
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith(prefix)) continue;
    const index = Number(key.slice(prefix.length));
    if (Number.isInteger(index)) entries.push([index, String(value)]);
  }
  return entries.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** `Tags.member.N.Key` / `.Value`. */
export function tagList(params: QueryParams, name = 'Tags'): QueryTag[] {
  const prefix = `${name}.member.`;
  const byIndex = new Map<number, Partial<QueryTag>>();
  for (const [key, value] of Object.entries(params)) {
    if (!key.startsWith(prefix)) continue;
    const [indexText, field] = key.slice(prefix.length).split('.');
    const index = Number(indexText);
    if (!Number.isInteger(index) || (field !== 'Key' && field !== 'Value')) continue;
    const tag = byIndex.get(index) ?? {};
    tag[field] = String(value);
    byIndex.set(index, tag);
  }
  return [...byIndex.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, tag]) => {
      if (tag.Key === undefined) {
        throw new AwsServiceError('ValidationError', `1 validation error detected: Value null at 'tags.member.key' failed to satisfy constraint: Member must not be null`, 400);
      }
      return { Key: tag.Key, Value: tag.Value ?? '' };
    });
}

/** Query-protocol timestamps: ISO-8601 without milliseconds, as AWS sends them. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A list element: `<Tag><member>...</member>...</Tag>` (items are XML already). */
export function membersXml(tag: string, items: string[]): string {
  return `<${tag}>${items.map((item) => `<member>${item}</member>`).join('')}</${tag}>`;
}

/** An unsigned request: the query services and the JSON services name the error differently. */
export function missingAuthentication(service: string): AwsServiceError {
  return service === 'iam' || service === 'sts'
    ? new AwsServiceError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403)
    : new AwsServiceError('MissingAuthenticationTokenException', 'Request is missing Authentication Token', 403);
}

/** One query operation: returns the XML inside `<ActionResult>` ('' for none). */
export type QueryOperation<Call> = (call: Call) => string;

export interface QueryService<Call> {
  service: ServiceName;
  /** The API version AWS names in InvalidAction, e.g. 2010-05-08. */
  apiVersion: string;
  operations: Readonly<Record<string, QueryOperation<Call>>>;
  /** What an operation receives: the authenticated caller and the parameters, with the service's model. */
  call(caller: CallerIdentity, params: QueryParams): Call;
}

/** Serves one query-protocol request: authenticated caller, known action, then its operation. */
export function serveQuery<Call>(api: QueryService<Call>, req: AwsRequest): AwsResponse {
  try {
    if (req.caller === undefined) throw missingAuthentication(api.service);
    const action = req.action || requiredString(req.params, 'Action');
    // Own properties only: an action named after an Object.prototype member is still unknown.
    const operation = operationNamed(api.operations, action);
    if (operation === undefined) throw new AwsServiceError('InvalidAction', `Could not find operation ${action} for version ${api.apiVersion}`, 400);
    return queryResponse(api.service, action, operation(api.call(req.caller, req.params)));
  } catch (error) {
    return queryError(api.service, asAwsError(error));
  }
}
