// What a DISTRIBUTED Map state becomes before the interpreter sees it. aws-local-stepfunctions runs
// any Map inline, so each DISTRIBUTED one (not those inside another's item processor, which runs as
// its own state machine) is replaced by a Task state with the Map's own input and output fields,
// Retry and Catch; the executor routes that Task to the Map Run runner (distributed-map.ts).
import { DEFAULT_TASK_TIMEOUT_SECONDS, type StateDefinition } from './definition.js';
import { sfnError } from './machines.js';

/** The Resource of the Task a DISTRIBUTED Map becomes: no Lambda, never invoked as such. */
export const DISTRIBUTED_MAP_TASK_RESOURCE = 'arn:aws:states:::local:distributed-map';

/** Fields the replacing Task keeps: the Map's input and output processing and its error handling. */
const KEPT_FIELDS = ['Comment', 'InputPath', 'ResultSelector', 'ResultPath', 'OutputPath', 'Retry', 'Catch', 'Next', 'End'];

/** AWS: up to 40 characters, none of whitespace, brackets, wildcards, special or control characters. */
const LABEL = /^[A-Za-z0-9_-]{1,40}$/;

interface Graph {
  States?: Record<string, StateDefinition>;
}

export interface ItemProcessor {
  StartAt: string;
  States: Record<string, StateDefinition>;
  ProcessorConfig?: { Mode?: string; ExecutionType?: string };
}

export function isDistributedMap(state: StateDefinition): boolean {
  return state.Type === 'Map' && (state.ItemProcessor as ItemProcessor | undefined)?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

/**
 * The label in the Map Run's ARN: the state's Label, or (AWS generates one when there is none) the
 * state name without the characters a label may not hold.
 */
export function mapRunLabel(stateName: string, state: StateDefinition): string {
  if (typeof state.Label === 'string') return state.Label;
  return stateName.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 40) || 'Map';
}

function invalid(stateName: string, message: string): Error {
  return sfnError('InvalidDefinition', `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ${message} at /States/${stateName}'`);
}

/** Refuses what the local cloud cannot run: items or results in Amazon S3, a malformed label. */
function assertRunnable(stateName: string, state: StateDefinition): void {
  if (state.ItemReader !== undefined) {
    throw invalid(stateName, 'The local Step Functions has no Amazon S3 to read items from (ItemReader); pass the items in the state input (ItemsPath)');
  }
  if (state.ResultWriter !== undefined) {
    throw invalid(stateName, 'The local Step Functions has no Amazon S3 to write results to (ResultWriter); the Map state returns them in its output');
  }
  if (state.Label !== undefined && (typeof state.Label !== 'string' || !LABEL.test(state.Label))) {
    throw invalid(stateName, `Label ${JSON.stringify(state.Label)} must be 1 to 40 letters, digits, '-' or '_'`);
  }
}

/** The Task the interpreter runs in place of a DISTRIBUTED Map state. */
function replacingTask(state: StateDefinition): StateDefinition {
  const task: StateDefinition = { Type: 'Task', Resource: DISTRIBUTED_MAP_TASK_RESOURCE, TimeoutSeconds: DEFAULT_TASK_TIMEOUT_SECONDS };
  for (const field of KEPT_FIELDS) if (state[field] !== undefined) task[field] = state[field];
  return task;
}

/**
 * Replaces, in place, each DISTRIBUTED Map state the definition runs itself (top level, Parallel
 * branches, inline Map processors) with its Task, after checking it can run locally. Returns the
 * Map states as written, by name.
 */
export function prepareDistributedMaps(definition: object): Map<string, StateDefinition> {
  const maps = new Map<string, StateDefinition>();
  const visit = (graph: Graph | undefined): void => {
    const states = graph?.States ?? {};
    for (const [name, state] of Object.entries(states)) {
      if (isDistributedMap(state)) {
        assertRunnable(name, state);
        maps.set(name, structuredClone(state));
        states[name] = replacingTask(state);
        continue;
      }
      for (const branch of (state.Branches as Graph[] | undefined) ?? []) visit(branch);
      visit(state.Iterator as Graph | undefined);
      visit(state.ItemProcessor as Graph | undefined);
    }
  };
  visit(definition as Graph);
  return maps;
}
