// Every service API dispatches through a table of its operations, one function per operation.

/**
 * The table's own entry for `action`, or undefined: an action named like an inherited property
 * ("toString", "constructor") is an unknown operation, as in AWS, not a method of Object.
 */
export function operationNamed<T>(operations: Record<string, T>, action: string): T | undefined {
  return Object.hasOwn(operations, action) ? operations[action] : undefined;
}
