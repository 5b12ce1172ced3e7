/**
 * Concurrent invocations in one process, as Lambda's runtime runs them when an execution
 * environment takes more than one invocation at a time: each runs inside its own context of the
 * Lambda InvokeStore (the contract of `@aws/lambda-invoke-store`: `globalThis.awslambda.InvokeStore`),
 * here backed by AsyncLocalStorage, and `AWS_LAMBDA_MAX_CONCURRENCY` is set, which is what makes
 * Powertools keep its per-invocation state (the logger's Lambda context and appended keys, the
 * metrics) in that context instead of on the one shared instance. Without it, concurrent requests
 * overwrite each other's log context.
 *
 * In AWS nothing of this is needed: an execution environment runs one invocation at a time (the
 * shared logger is reset between them), or, with several, the runtime does exactly this.
 *
 * The package's own `InvokeStore.getInstanceAsync(true)` would build the same store, but loads
 * `node:async_hooks` with a dynamic `import()`, which Jest's CommonJS runtime refuses.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { InvokeStoreBase } from '@aws/lambda-invoke-store';

type InvocationContext = Record<string | symbol, unknown>;

class LocalInvokeStore extends InvokeStoreBase {
  readonly #als = new AsyncLocalStorage<InvocationContext>();

  getContext(): InvocationContext | undefined {
    return this.#als.getStore();
  }

  hasContext(): boolean {
    return this.#als.getStore() !== undefined;
  }

  get<T = unknown>(key: string | symbol): T | undefined {
    const value: unknown = this.#als.getStore()?.[key];
    return value as T | undefined;
  }

  set<T = unknown>(key: string | symbol, value: T): void {
    if (this.isProtectedKey(key)) throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    const store = this.#als.getStore();
    if (!store) throw new Error('No context available');
    store[key] = value;
  }

  run<T>(context: InvocationContext, fn: () => T): T {
    return this.#als.run({ ...context }, fn);
  }
}

/** What the runtime sets when invocations may run concurrently; locally nothing caps them. */
const LOCAL_MAX_CONCURRENCY = '64';

/**
 * Installs the process's InvokeStore (once; it replaces one an AWS SDK call may have created for
 * one invocation at a time) and declares invocations concurrent. Idempotent.
 */
export function prepareInvocations(): InvokeStoreBase {
  // Where the runtime, Powertools and the AWS SDK look for it.
  const runtime: { awslambda?: { InvokeStore?: InvokeStoreBase | undefined } } = globalThis;
  const lambda = (runtime.awslambda ??= {});
  const store = lambda.InvokeStore instanceof LocalInvokeStore ? lambda.InvokeStore : new LocalInvokeStore();
  lambda.InvokeStore = store;
  // Only now: with the variable set, Powertools requires the store to exist.
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= LOCAL_MAX_CONCURRENCY;
  return store;
}

/** Runs one invocation in its own context, under its request id (what the runtime does per invoke). */
export function runInvocation<T>(requestId: string, invoke: () => Promise<T>): Promise<T> {
  return prepareInvocations().run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, invoke);
}
