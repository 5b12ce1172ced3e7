/**
 * Imported first by logger-invocations.test.ts: the logger reads its level once, when loaded, and
 * goes back to it at every invocation (test/env.ts silences it for all other tests).
 */
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
