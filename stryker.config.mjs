// Mutation testing (StrykerJS): `npm run test:mutation`, then `npm run test:mutation:summary`.
import { lstatSync, mkdirSync, symlinkSync } from 'node:fs';

const tempDirName = '.stryker-tmp';

// Tests read fixtures from ../shared, a sibling of the repository. Stryker runs them in
// <tempDirName>/sandbox-*, where that relative path resolves to <tempDirName>/shared: link it.
function linkSharedFixtures() {
  const link = `${tempDirName}/shared`;
  mkdirSync(tempDirName, { recursive: true });
  try {
    lstatSync(link);
  } catch {
    symlinkSync('../../shared', link, 'dir');
  }
}
linkSharedFixtures();

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // related: false because vitest's "related files" only follows static imports, and the unit
  // tests import the handlers dynamically: with it, no test would run against a handler's mutants.
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  // The Lambda code. lib/ (the CDK app) is exercised by the infrastructure suite, which synthesizes
  // the stack per test: see vitest.mutation.config.ts for why it is not run per mutant.
  mutate: ['functions/**/*.ts', '!**/*.d.ts'],
  // Each mutant runs only the tests that executed it in the initial run.
  coverageAnalysis: 'perTest',
  // Later runs re-test only mutants whose code or tests changed. The file stays local (reports/
  // is ignored by git): committed, it would conflict between branches and describe stale code.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'html', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName,
  // Build output and local-cloud state are not needed by the tests; keep them out of the sandboxes.
  ignorePatterns: ['/cdk.out', '/.local', '/coverage'],
  // Sized for a 2-core machine.
  concurrency: 2,
  // Generous: on a busy machine the default (1.5 x the test time + 5 s) turns slow runs of the whole
  // suite into false timeouts, which Stryker counts as detected. A real endless loop costs a minute.
  timeoutFactor: 3,
  timeoutMS: 60_000,
};
