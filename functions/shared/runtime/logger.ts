// One logger per function, created at module scope. Every workflow log line carries the
// provider and the execution, so an operator can go from a log line to the execution history.
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'capa-provider-onboarding' });
