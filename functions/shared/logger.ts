import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs. Never log a child's name, birth date or a token: log ids and codes only.
 *
 * One instance for every handler; what belongs to an invocation (its Lambda context, so function
 * name and request id, and keys appended during it, such as `userId`) is set by
 * `injectLambdaContext(logger, { resetKeys: true })` and appended keys, never on the instance
 * itself. Powertools keeps that state per invocation: on the instance between invocations run one at
 * a time (Lambda's default; reset after each), and in the Lambda InvokeStore when invocations run
 * concurrently in one process (`AWS_LAMBDA_MAX_CONCURRENCY`; the local backend runs each request
 * that way, local/invocation.ts). Do not use `persistentKeys`/`appendPersistentKeys` for anything
 * of one request: those are shared by every invocation of the process.
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
