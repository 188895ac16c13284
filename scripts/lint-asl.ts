// `npm run lint`: every ASL file in statemachine/ must be valid once its ${...} placeholders are filled.
import { createRequire } from 'node:module';
import { aslFiles, fakeFunctionArn, loadDefinition } from '../test/support/asl-files.js';

const aslValidator = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

let failures = 0;
for (const file of aslFiles()) {
  const result = aslValidator(loadDefinition(file, fakeFunctionArn), { checkPaths: true, checkArn: true });
  console.log(`${result.isValid ? 'ok  ' : 'FAIL'} statemachine/${file}${result.isValid ? '' : `\n${result.errorsText('\n')}`}`);
  if (!result.isValid) failures += 1;
}
process.exitCode = failures === 0 ? 0 : 1;
