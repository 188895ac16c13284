// Reading query-protocol parameters (flat `Name.member.N` forms) and writing IAM-shaped XML.
import { AwsServiceError } from '../core/types.js';
import { xmlElement } from '../core/protocol.js';
import type { Tag } from './state.js';

type Params = Record<string, unknown>;

/** `RoleName` → `roleName`, the way AWS names fields in validation messages. */
function fieldName(param: string): string {
  return param.charAt(0).toLowerCase() + param.slice(1);
}

export function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  return String(value);
}

export function requiredString(params: Params, name: string): string {
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

export function optionalInteger(params: Params, name: string): number | undefined {
  const value = optionalString(params, name);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) {
    throw new AwsServiceError('ValidationError', `1 validation error detected: Value '${value}' at '${fieldName(name)}' failed to satisfy constraint: Member must be an integer`, 400);
  }
  return n;
}

export function optionalBoolean(params: Params, name: string): boolean | undefined {
  const value = optionalString(params, name);
  return value === undefined ? undefined : value.toLowerCase() === 'true';
}

/** `Name.member.1`, `Name.member.2`, ... in index order. */
export function memberList(params: Params, name: string): string[] {
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
export function tagList(params: Params, name = 'Tags'): Tag[] {
  const prefix = `${name}.member.`;
  const byIndex = new Map<number, Partial<Tag>>();
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

export interface Page<T> {
  items: T[];
  isTruncated: boolean;
  marker?: string;
}

/** IAM pagination: MaxItems (1-1000, default 100) and an opaque Marker. */
export function paginate<T>(items: T[], params: Params): Page<T> {
  const maxItems = optionalInteger(params, 'MaxItems') ?? 100;
  if (maxItems < 1 || maxItems > 1000) {
    throw new AwsServiceError('ValidationError', `1 validation error detected: Value '${maxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`, 400);
  }
  const marker = optionalString(params, 'Marker');
  let start = 0;
  if (marker !== undefined) {
    start = Number(Buffer.from(marker, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw new AwsServiceError('ValidationError', 'Invalid Marker.', 400);
  }
  const page = items.slice(start, start + maxItems);
  const next = start + page.length;
  return next < items.length
    ? { items: page, isTruncated: true, marker: Buffer.from(String(next), 'utf8').toString('base64url') }
    : { items: page, isTruncated: false };
}

export function pageXml(page: Page<unknown>): string {
  return xmlElement('IsTruncated', page.isTruncated) + xmlElement('Marker', page.marker);
}

/** IAM timestamps: ISO-8601 without milliseconds, as AWS sends them. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function membersXml(tag: string, items: string[]): string {
  return `<${tag}>${items.map((item) => `<member>${item}</member>`).join('')}</${tag}>`;
}

export function tagsXml(tags: Tag[]): string {
  return membersXml('Tags', tags.map((t) => xmlElement('Key', t.Key) + xmlElement('Value', t.Value)));
}

/** Policy documents travel URL-encoded in IAM responses (the SDK leaves decoding to the caller). */
export function encodeDocument(text: string): string {
  return encodeURIComponent(text);
}
