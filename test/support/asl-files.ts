// Every ASL definition in statemachine/, with its placeholders filled the way CDK's
// definitionSubstitutions would fill them, so it can be validated and executed as deployed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const STATEMACHINE_DIR = join(import.meta.dirname, '..', '..', 'statemachine');

export function aslFiles(): string[] {
  return readdirSync(STATEMACHINE_DIR).filter((file) => file.endsWith('.asl.json'));
}

export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{(\w+)\}/g)].map((match) => match[1] as string))];
}

/** The definition with every `${Name}` replaced by `substitute(Name)`. */
export function loadDefinition(file: string, substitute: (name: string) => string): Record<string, unknown> {
  const text = readFileSync(join(STATEMACHINE_DIR, file), 'utf8');
  return JSON.parse(text.replace(/\$\{(\w+)\}/g, (_, name: string) => substitute(name))) as Record<string, unknown>;
}

/** A Lambda ARN for a placeholder such as CreateRoleFunctionArn. */
export function fakeFunctionArn(placeholder: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:${placeholder.replace(/Arn$/, '')}`;
}
