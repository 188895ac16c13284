// Reading resolved template properties and emulator errors, for the resource handlers.

export function requireString(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new Error(`${what} must be a string, got ${JSON.stringify(value)}`);
}

/** An emulator's "already exists" error: the resource survived a restart. */
export function isAlreadyExists(error: unknown): boolean {
  const name = error instanceof Error ? `${error.name} ${(error as { code?: string }).code ?? ''}` : '';
  return /AlreadyExists|EntityAlreadyExists|ResourceInUse|Conflict/.test(name);
}
