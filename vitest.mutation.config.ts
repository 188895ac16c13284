// Tests run once per mutant by mutation testing (Stryker): the unit suite, which mirrors functions/
// and runs in milliseconds per test. The workflow suite starts an in-process local cloud per file
// and the infrastructure suite synthesizes the stack per test: run per mutant, they turn a
// 45-minute run into several hours on a 2-core machine. `npm test` runs them as usual.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // Replaces (not extends) the base include; mergeConfig would concatenate the two lists.
    include: ['test/unit/**/*.test.ts'],
  },
});
