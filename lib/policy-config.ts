// Which CAPA policy a deployment ships (CDK context `capaPolicyFile`). The document is bundled into
// every function (a Lambda environment holds 4 KB, the policy is larger), so onboarding, repair,
// verification and a rollout all work from the same document and version. Validated at synth, so
// a bad file fails `cdk synth` with the key's name instead of failing every onboarding later.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Node } from 'constructs';
import { capaPolicyOf, type CapaPolicy } from '../functions/shared/domain/capa-policy.js';
import { MANAGED_POLICY_SIZE_LIMIT, type PolicyDocument } from '../functions/shared/domain/policy-documents.js';
import { ConfigError } from './config.js';

const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Relative to the project root, as `-c capaPolicyFile=...` is given from there. */
export const SHIPPED_CAPA_POLICY_FILE = 'functions/shared/domain/policies/capa-minimal-policy.json';

/** IAM's default quota of managed policies per role: every part is one of them. */
export const MAX_CAPA_POLICY_PARTS = 10;

export interface CapaPolicyConfig {
  /** Absolute path of the document bundled into the functions. */
  readonly file: string;
  readonly policy: CapaPolicy;
}

const KEY = 'capaPolicyFile';
const ACTION = /^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;

function problemWithStatement(statement: unknown, index: number): string | undefined {
  const where = `Statement[${index}]`;
  if (statement === null || typeof statement !== 'object' || Array.isArray(statement)) return `${where} must be an object`;
  const s = statement as Record<string, unknown>;
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return `${where}.Effect must be "Allow" or "Deny"`;
  if ('Principal' in s || 'NotPrincipal' in s) return `${where} must not name a Principal (this is an identity policy)`;
  const actions = s.Action ?? s.NotAction;
  const list = Array.isArray(actions) ? actions : [actions];
  if (actions === undefined || list.length === 0 || list.some((action) => typeof action !== 'string' || !ACTION.test(action))) {
    return `${where} must have Action (or NotAction): "service:Action" strings`;
  }
  const resources = s.Resource ?? s.NotResource;
  const resourceList = Array.isArray(resources) ? resources : [resources];
  if (resources === undefined || resourceList.length === 0 || resourceList.some((resource) => typeof resource !== 'string')) {
    return `${where} must have Resource (or NotResource): strings`;
  }
  return undefined;
}

/** Why the document is no identity policy IAM would accept, or undefined. */
function problemWithDocument(document: unknown): string | undefined {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) return 'must hold a JSON object';
  const d = document as Record<string, unknown>;
  if (d.Version !== '2012-10-17') return 'must have "Version": "2012-10-17"';
  if (!Array.isArray(d.Statement) || d.Statement.length === 0) return 'must have a non-empty "Statement" list';
  return d.Statement.map(problemWithStatement).find((problem) => problem !== undefined);
}

const cache = new Map<string, CapaPolicyConfig>();

/** Reads and checks the policy file named by `raw` (a path relative to the project root, or absolute). */
export function parseCapaPolicyConfig(raw: unknown = SHIPPED_CAPA_POLICY_FILE): CapaPolicyConfig {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new ConfigError(KEY, `${JSON.stringify(raw)} must be the path of a JSON policy document`);
  }
  const file = isAbsolute(raw) ? raw : resolve(PROJECT_ROOT, raw);
  const cached = cache.get(file);
  if (cached) return cached;
  if (!existsSync(file)) throw new ConfigError(KEY, `${JSON.stringify(raw)} does not exist (paths are relative to the project root)`);
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(KEY, `${JSON.stringify(raw)} is not valid JSON (${(error as Error).message})`);
  }
  const problem = problemWithDocument(document);
  if (problem) throw new ConfigError(KEY, `${JSON.stringify(raw)} ${problem}`);
  let policy: CapaPolicy;
  try {
    policy = capaPolicyOf(document as PolicyDocument);
  } catch (error) {
    throw new ConfigError(KEY, `${JSON.stringify(raw)} cannot be split into ${MANAGED_POLICY_SIZE_LIMIT}-character managed policies: ${(error as Error).message}`);
  }
  if (policy.parts.length > MAX_CAPA_POLICY_PARTS) {
    throw new ConfigError(
      KEY,
      `${JSON.stringify(raw)} needs ${policy.parts.length} managed policies of ${MANAGED_POLICY_SIZE_LIMIT} characters; a role holds at most ${MAX_CAPA_POLICY_PARTS}`,
    );
  }
  const config = { file, policy };
  cache.set(file, config);
  return config;
}

/** Reads the CAPA policy selection from a construct's context (cdk.json or `-c capaPolicyFile=...`). */
export function readCapaPolicyConfig(node: Node): CapaPolicyConfig {
  return parseCapaPolicyConfig(node.tryGetContext(KEY) ?? SHIPPED_CAPA_POLICY_FILE);
}
