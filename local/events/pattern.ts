// EventBridge event patterns: validation (as PutRule / TestEventPattern do) and content matching.
//
// Semantics follow EventBridge (event-ruler):
// - every field named in a pattern must match (AND); the values of a leaf array are alternatives (OR);
// - an event field holding an array matches when any of its elements does; an array of objects is
//   matched element by element, so fields of one nested pattern must all come from the same element;
// - values are typed: "5" does not match 5, "" does not match null;
// - `$or: [p1, p2, ...]` at any object level matches when any sub-pattern matches at that level;
// - `exists` looks at leaf values only: an object, a missing field and an empty array do not "exist".
import { BlockList, isIP } from 'node:net';
import { AwsServiceError } from '../core/types.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Leaf = null | boolean | number | string;
type Matcher = Leaf | Record<string, unknown>;

const NUMERIC_OPS = new Set(['<', '<=', '=', '>', '>=']);
const LOWER_OPS = new Set(['>', '>=']);
const UPPER_OPS = new Set(['<', '<=']);

function invalid(reason: string, path: string[]): never {
  const where = path.length === 0 ? '' : ` at "${path.join('.')}"`;
  throw new AwsServiceError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${reason}${where}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isLeaf(value: unknown): value is Leaf {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** Throws InvalidEventPatternException when `pattern` is not an event pattern EventBridge would accept. */
export function validatePattern(pattern: unknown): void {
  if (!isPlainObject(pattern)) invalid('Filter is not an object', []);
  validateObject(pattern, []);
}

function validateObject(pattern: Record<string, unknown>, path: string[]): void {
  const keys = Object.keys(pattern);
  if (keys.length === 0) invalid('Empty objects are not allowed', path);
  for (const key of keys) {
    const value = pattern[key];
    const here = [...path, key];
    if (key === '$or') {
      validateOr(value, here);
    } else if (Array.isArray(value)) {
      validateMatchers(value, here);
    } else if (isPlainObject(value)) {
      validateObject(value, here);
    } else {
      invalid(`Match value must be String, number, true, false, or null`, here);
    }
  }
}

function validateOr(value: unknown, path: string[]): void {
  if (!Array.isArray(value) || value.length < 2) invalid('"$or" must be an array of at least 2 patterns', path);
  value.forEach((sub, i) => {
    if (!isPlainObject(sub)) invalid('"$or" must contain only pattern objects', [...path, String(i)]);
    validateObject(sub, [...path, String(i)]);
  });
}

function validateMatchers(values: unknown[], path: string[]): void {
  if (values.length === 0) invalid('Empty arrays are not allowed', path);
  for (const value of values) {
    if (isLeaf(value)) continue;
    if (Array.isArray(value)) invalid('Nested arrays are not allowed', path);
    if (!isPlainObject(value)) invalid('Match value must be String, number, true, false, or null', path);
    validateOperator(value, path);
  }
}

function requireString(value: unknown, what: string, path: string[]): string {
  if (typeof value !== 'string') invalid(`"${what}" match pattern must be a string`, path);
  return value;
}

/** prefix / suffix take a string or `{ "equals-ignore-case": string }`. */
function validateAffix(op: string, value: unknown, path: string[]): void {
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      invalid(`"${op}" only accepts a string or an "equals-ignore-case" object`, path);
    }
    requireString(value['equals-ignore-case'], `${op}/equals-ignore-case`, path);
    return;
  }
  requireString(value, op, path);
}

function validateOperator(matcher: Record<string, unknown>, path: string[]): void {
  const keys = Object.keys(matcher);
  if (keys.length !== 1) invalid('A match expression object must have exactly one key', path);
  const op = keys[0] as string;
  const value = matcher[op];
  switch (op) {
    case 'prefix':
    case 'suffix':
      validateAffix(op, value, path);
      return;
    case 'equals-ignore-case':
      requireString(value, op, path);
      return;
    case 'wildcard':
      validateWildcard(requireString(value, op, path), path);
      return;
    case 'exists':
      if (typeof value !== 'boolean') invalid('"exists" match pattern must be true or false', path);
      return;
    case 'numeric':
      validateNumeric(value, path);
      return;
    case 'cidr':
      parseCidr(requireString(value, op, path), path);
      return;
    case 'anything-but':
      validateAnythingBut(value, path);
      return;
    default:
      invalid(`Unrecognized match type ${op}`, path);
  }
}

function validateWildcard(value: string, path: string[]): void {
  if (value.includes('**')) invalid('Consecutive wildcard characters are not allowed', path);
  // Only `\*` and `\\` are escapes; anything else after a backslash is ambiguous, as EventBridge says.
  for (let i = 0; i < value.length; i += 1) {
    if (value[i] === '\\') {
      const next = value[i + 1];
      if (next !== '*' && next !== '\\') invalid('Invalid escape character in wildcard pattern', path);
      i += 1;
    }
  }
}

function validateNumeric(value: unknown, path: string[]): void {
  if (!Array.isArray(value) || (value.length !== 2 && value.length !== 4)) {
    invalid('"numeric" must be an array of 1 or 2 [operator, number] comparisons', path);
  }
  for (let i = 0; i < value.length; i += 2) {
    const op = value[i];
    const n = value[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPS.has(op)) invalid(`Unrecognized numeric range operator: ${String(op)}`, path);
    if (typeof n !== 'number' || !Number.isFinite(n)) invalid('Value of numeric comparison must be a number', path);
  }
  if (value.length === 4) {
    const [lowOp, low, highOp, high] = value as [string, number, string, number];
    if (!LOWER_OPS.has(lowOp) || !UPPER_OPS.has(highOp)) {
      invalid('A numeric range must be a lower bound (> or >=) followed by an upper bound (< or <=)', path);
    }
    if (!(low < high)) invalid('Bottom must be less than top', path);
  }
}

function validateAnythingBut(value: unknown, path: string[]): void {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return;
  if (Array.isArray(value)) {
    if (value.length === 0) invalid('Empty arrays are not allowed', path);
    const allStrings = value.every((v) => typeof v === 'string');
    const allNumbers = value.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (!allStrings && !allNumbers) invalid('Inside anything-but list, only all strings or all numbers are supported', path);
    return;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length !== 1) invalid('Inside anything-but, exactly one match expression is allowed', path);
    const op = keys[0] as string;
    const inner = value[op];
    switch (op) {
      case 'prefix':
      case 'suffix':
        requireString(inner, `anything-but/${op}`, path);
        return;
      case 'equals-ignore-case':
      case 'wildcard': {
        const list = Array.isArray(inner) ? inner : [inner];
        if (list.length === 0) invalid('Empty arrays are not allowed', path);
        for (const item of list) {
          const s = requireString(item, `anything-but/${op}`, path);
          if (op === 'wildcard') validateWildcard(s, path);
        }
        return;
      }
      default:
        invalid(`Unsupported anything-but pattern: ${op}`, path);
    }
  }
  invalid('Inside anything-but, null, boolean and nested values are not supported', path);
}

/** True when `event` matches `pattern`. The pattern is validated first (throws if invalid). */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  validatePattern(pattern);
  return matchObject(pattern as Record<string, unknown>, event);
}

/** Matching for patterns already validated (the bus validates once at PutRule). */
export function matchesValidatedPattern(pattern: Record<string, unknown>, event: unknown): boolean {
  return matchObject(pattern, event);
}

function matchObject(pattern: Record<string, unknown>, node: unknown): boolean {
  // An array of objects matches when one element satisfies the whole sub-pattern.
  if (Array.isArray(node)) {
    const objects = flatten(node).filter(isPlainObject);
    if (objects.length === 0) return matchFields(pattern, undefined);
    return objects.some((element) => matchFields(pattern, element));
  }
  return matchFields(pattern, isPlainObject(node) ? node : undefined);
}

function matchFields(pattern: Record<string, unknown>, node: Record<string, unknown> | undefined): boolean {
  for (const [key, expected] of Object.entries(pattern)) {
    if (key === '$or') {
      const alternatives = expected as Record<string, unknown>[];
      if (!alternatives.some((alt) => matchFields(alt, node))) return false;
      continue;
    }
    const actual = node === undefined ? undefined : Object.hasOwn(node, key) ? node[key] : undefined;
    if (Array.isArray(expected)) {
      if (!matchLeaf(expected as Matcher[], leaves(actual))) return false;
    } else if (!matchObject(expected as Record<string, unknown>, actual)) {
      return false;
    }
  }
  return true;
}

function flatten(values: unknown[]): unknown[] {
  return values.flatMap((v) => (Array.isArray(v) ? flatten(v) : [v]));
}

/** The leaf values at a field: arrays are transparent, objects are not leaves. */
function leaves(value: unknown): Leaf[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return flatten(value).filter(isLeaf);
  return isLeaf(value) ? [value] : [];
}

function matchLeaf(matchers: Matcher[], values: Leaf[]): boolean {
  return matchers.some((matcher) => {
    if (isPlainObject(matcher) && 'exists' in matcher) {
      return matcher['exists'] === true ? values.length > 0 : values.length === 0;
    }
    return values.some((value) => matchValue(matcher, value));
  });
}

function matchValue(matcher: Matcher, value: Leaf): boolean {
  if (!isPlainObject(matcher)) return matcher === value;
  const [op, arg] = Object.entries(matcher)[0] as [string, unknown];
  switch (op) {
    case 'prefix':
      return typeof value === 'string' && affix(arg, value, (v, p) => v.startsWith(p));
    case 'suffix':
      return typeof value === 'string' && affix(arg, value, (v, s) => v.endsWith(s));
    case 'equals-ignore-case':
      return typeof value === 'string' && foldCase(value) === foldCase(arg as string);
    case 'wildcard':
      return typeof value === 'string' && wildcardRegExp(arg as string).test(value);
    case 'numeric':
      return typeof value === 'number' && matchNumeric(arg as (string | number)[], value);
    case 'cidr':
      return typeof value === 'string' && matchCidr(arg as string, value);
    case 'anything-but':
      return !anythingButExcludes(arg, value);
    default:
      return false;
  }
}

function foldCase(s: string): string {
  return s.toLowerCase();
}

function affix(arg: unknown, value: string, test: (value: string, part: string) => boolean): boolean {
  if (typeof arg === 'string') return test(value, arg);
  const part = (arg as Record<string, string>)['equals-ignore-case'] as string;
  return test(foldCase(value), foldCase(part));
}

function matchNumeric(spec: (string | number)[], value: number): boolean {
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i] as string;
    const n = spec[i + 1] as number;
    const ok =
      op === '<' ? value < n : op === '<=' ? value <= n : op === '=' ? value === n : op === '>' ? value > n : value >= n;
    if (!ok) return false;
  }
  return true;
}

const wildcardCache = new Map<string, RegExp>();

function wildcardRegExp(pattern: string): RegExp {
  let re = wildcardCache.get(pattern);
  if (re) return re;
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const ch = pattern[i] as string;
    if (ch === '\\') {
      source += escapeRegExp(pattern[i + 1] ?? '\\');
      i += 1;
    } else if (ch === '*') {
      source += '[\\s\\S]*';
    } else {
      source += escapeRegExp(ch);
    }
  }
  re = new RegExp(`^${source}$`, 'u');
  wildcardCache.set(pattern, re);
  return re;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function parseCidr(cidr: string, path: string[]): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const slash = cidr.indexOf('/');
  const address = slash === -1 ? cidr : cidr.slice(0, slash);
  const version = isIP(address);
  if (version === 0) invalid(`Malformed CIDR: ${cidr}`, path);
  const max = version === 4 ? 32 : 128;
  const prefix = slash === -1 ? max : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) invalid(`Malformed CIDR: ${cidr}`, path);
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

function matchCidr(cidr: string, value: string): boolean {
  const version = isIP(value);
  if (version === 0) return false;
  const { address, prefix, family } = parseCidr(cidr, []);
  if ((version === 4) !== (family === 'ipv4')) return false;
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return list.check(value, family);
}

/** True when `value` is one of the values an anything-but expression excludes. */
function anythingButExcludes(arg: unknown, value: Leaf): boolean {
  if (Array.isArray(arg)) return arg.some((excluded) => excluded === value);
  if (!isPlainObject(arg)) return arg === value;
  const [op, inner] = Object.entries(arg)[0] as [string, unknown];
  // String-shaped exclusions never exclude numbers, booleans or null: those values match.
  if (typeof value !== 'string') return false;
  const list = (Array.isArray(inner) ? inner : [inner]) as string[];
  switch (op) {
    case 'prefix':
      return value.startsWith(inner as string);
    case 'suffix':
      return value.endsWith(inner as string);
    case 'equals-ignore-case':
      return list.some((s) => foldCase(s) === foldCase(value));
    case 'wildcard':
      return list.some((s) => wildcardRegExp(s).test(value));
    default:
      return false;
  }
}

/** Parses an EventPattern string (as the API carries it) and validates it. */
export function parsePattern(text: string): Record<string, unknown> {
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch (error) {
    invalid(`Event pattern is not valid JSON: ${(error as Error).message}`, []);
  }
  validatePattern(parsed);
  return parsed as Record<string, unknown>;
}
