// What a message is made of, checked as SQS checks it: the body's characters, message attributes
// (names, data types, values), the MD5 digests SQS returns (the SDKs verify the body's) and
// receipt handles.
import { createHash, randomUUID } from 'node:crypto';
import type { CallerIdentity } from '../core/types.js';
import { invalidParameterValue, sqsError } from './errors.js';

/** A message attribute as the JSON protocol carries it (BinaryValue in base64). */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

const MAX_ATTRIBUTES = 10;
const ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE = /^(String|Number|Binary)(\.[A-Za-z0-9_.-]{1,256})?$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
// The characters SQS accepts in a body or string value; anything else is InvalidMessageContents.
const INVALID_CHARACTER = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

export function checkBody(body: unknown): string {
  if (typeof body !== 'string' || body === '') throw sqsError('InvalidMessageContents', 'The request must contain the parameter MessageBody.');
  if (INVALID_CHARACTER.test(body)) {
    throw sqsError(
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    );
  }
  return body;
}

function checkAttribute(name: string, raw: unknown): MessageAttributeValue {
  if (!ATTRIBUTE_NAME.test(name) || /^(aws\.|amazon\.)/i.test(name)) {
    throw invalidParameterValue(`Message (user) attribute name '${name}' is invalid.`);
  }
  const value = (raw ?? {}) as Partial<MessageAttributeValue>;
  const dataType = value.DataType;
  if (typeof dataType !== 'string' || !DATA_TYPE.test(dataType)) {
    throw invalidParameterValue(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
  }
  if (dataType.startsWith('Binary')) {
    if (typeof value.BinaryValue !== 'string' || value.BinaryValue === '') throw invalidParameterValue(`The message attribute '${name}' must contain a non-empty message attribute value for message attribute type '${dataType}'.`);
    return { DataType: dataType, BinaryValue: value.BinaryValue };
  }
  if (typeof value.StringValue !== 'string' || value.StringValue === '') {
    throw invalidParameterValue(`The message attribute '${name}' must contain a non-empty message attribute value for message attribute type '${dataType}'.`);
  }
  if (dataType.startsWith('Number') && !NUMBER.test(value.StringValue)) {
    throw invalidParameterValue(`Can't cast the value of message (user) attribute '${name}' to a number.`);
  }
  if (INVALID_CHARACTER.test(value.StringValue)) throw sqsError('InvalidMessageContents', `Invalid characters found in the value of message attribute '${name}'.`);
  return { DataType: dataType, StringValue: value.StringValue };
}

/** The message attributes of a SendMessage, checked. */
export function checkMessageAttributes(input: unknown): Record<string, MessageAttributeValue> {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) throw invalidParameterValue('MessageAttributes must be a map.');
  const entries = Object.entries(input);
  if (entries.length > MAX_ATTRIBUTES) throw invalidParameterValue(`Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`);
  return Object.fromEntries(entries.map(([name, value]) => [name, checkAttribute(name, value)]));
}

function valueBytes(value: MessageAttributeValue): Buffer {
  return value.BinaryValue !== undefined ? Buffer.from(value.BinaryValue, 'base64') : Buffer.from(value.StringValue ?? '', 'utf8');
}

/** Size SQS counts against MaximumMessageSize: the body plus every attribute's name, type and value. */
export function messageSize(body: string, attributes: Record<string, MessageAttributeValue>): number {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType) + valueBytes(value).length;
  }
  return size;
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * MD5OfMessageAttributes as SQS computes it: attributes sorted by name, each as length-prefixed
 * name and data type, a transport byte (1 string/number, 2 binary) and the length-prefixed value.
 */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  for (const name of names) {
    const value = attributes[name]!;
    parts.push(lengthPrefixed(Buffer.from(name, 'utf8')), lengthPrefixed(Buffer.from(value.DataType, 'utf8')));
    parts.push(Buffer.from([value.BinaryValue !== undefined ? 2 : 1]), lengthPrefixed(valueBytes(value)));
  }
  return md5Hex(Buffer.concat(parts));
}

/** The message attributes a ReceiveMessage asked for: names, `prefix.*`, or All / `.*`. */
export function selectMessageAttributes(attributes: Record<string, MessageAttributeValue>, requested: string[]): Record<string, MessageAttributeValue> {
  const wanted = (name: string) =>
    requested.some((pattern) => pattern === 'All' || pattern === '.*' || pattern === name || (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))));
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => wanted(name)));
}

/** SenderId as SQS reports it: the account for its root user, the user's id for an IAM user, the role session otherwise. */
export function senderIdOf(caller: CallerIdentity | undefined): string {
  if (caller === undefined || caller.principalType === 'account-root') return caller?.accountId ?? '';
  if (caller.principalType === 'user') return caller.userId ?? caller.accessKeyId;
  return `${caller.accessKeyId}:${caller.sessionName ?? ''}`;
}

/** A new receipt handle: opaque to callers, naming the message it was issued for. */
export function newReceiptHandle(messageId: string): string {
  return Buffer.from(`${messageId} ${randomUUID()}`, 'utf8').toString('base64');
}

/** The message id a receipt handle was issued for, or undefined when it is no receipt handle at all. */
export function messageIdOfHandle(handle: string): string | undefined {
  const [messageId, nonce, ...rest] = Buffer.from(handle, 'base64').toString('utf8').split(' ');
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  return rest.length === 0 && messageId !== undefined && uuid.test(messageId) && nonce !== undefined && uuid.test(nonce) ? messageId : undefined;
}
