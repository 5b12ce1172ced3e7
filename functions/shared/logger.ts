import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs. Never log a child's name, birth date or a token: log ids and codes only.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'beeldtoestemming' });

/**
 * What of an unexpected error may be logged. Messages of our own code can carry personal data
 * (a name in a template string), so only AWS service errors keep their message; every error keeps
 * its name and stack frames.
 */
export function loggableError(err: unknown): Record<string, unknown> {
  const e = err instanceof Error ? err : new Error('non-error thrown');
  const frames = (e.stack ?? '').split('\n').filter((l) => l.trimStart().startsWith('at ')).join('\n');
  const fromAws = typeof (err as { $metadata?: unknown })?.$metadata === 'object';
  return { name: e.name, ...(fromAws ? { message: e.message } : {}), stack: frames };
}
