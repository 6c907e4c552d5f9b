import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger per function; `POWERTOOLS_SERVICE_NAME` and `POWERTOOLS_LOG_LEVEL` come from the env. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'agent-messenger' });
