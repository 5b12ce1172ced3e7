import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs. Never log a child's name, birth date or a token: log ids and codes only.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'beeldtoestemming' });
