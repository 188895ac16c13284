// The hooks every workflow test file shares: one in-process cloud per file, and per test a reset
// of what the test changed and a capture of everything the functions print.
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';
import { captureOutput, type CapturedOutput } from './output-capture.js';
import { startWorkflowCloud, type WorkflowCloud, type WorkflowCloudOptions } from './workflow-cloud.js';

export interface WorkflowSuite {
  readonly cloud: WorkflowCloud;
  /** What the functions printed during the current test. */
  readonly output: CapturedOutput;
}

export function useWorkflowCloud(options: WorkflowCloudOptions = {}): WorkflowSuite {
  let cloud: WorkflowCloud | undefined;
  let output: CapturedOutput | undefined;

  beforeAll(async () => {
    cloud = await startWorkflowCloud(options);
  });
  afterAll(async () => {
    await cloud?.close();
  });
  beforeEach(() => {
    output = captureOutput();
  });
  afterEach(async () => {
    await cloud?.reset();
    output?.restore();
    vi.restoreAllMocks();
  });

  return {
    get cloud() {
      if (!cloud) throw new Error('The workflow cloud is started in beforeAll: use it inside a test');
      return cloud;
    },
    get output() {
      if (!output) throw new Error('Output is captured per test: use it inside a test');
      return output;
    },
  };
}
