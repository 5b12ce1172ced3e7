/**
 * Everything a function needs, built once per cold start from validated configuration.
 */
import { createTokenVerifier, type TokenVerifier } from './auth';
import { runtimeConfig, type RuntimeConfig } from './config';
import { documentClient } from './dynamo';
import { ChildrenRepository } from './repositories/children';
import { ConsentLedgerRepository } from './repositories/consent-ledger';
import { DirectoryRepository } from './repositories/directory';

export interface Runtime {
  config: RuntimeConfig;
  children: ChildrenRepository;
  ledger: ConsentLedgerRepository;
  directory: DirectoryRepository;
  verify: TokenVerifier;
  now: () => Date;
  newId: () => string;
}

let runtime: Runtime | undefined;

export function getRuntime(): Runtime {
  if (!runtime) {
    const config = runtimeConfig();
    const db = documentClient(config.DYNAMODB_ENDPOINT);
    const children = new ChildrenRepository(db, config.TABLE_NAME);
    runtime = {
      config,
      children,
      ledger: new ConsentLedgerRepository(db, config.TABLE_NAME, children),
      directory: new DirectoryRepository(db, config.TABLE_NAME),
      verify: createTokenVerifier({
        issuer: config.JWT_ISSUER,
        jwksUri: config.JWT_JWKS_URI,
        clientIds: config.JWT_CLIENT_IDS,
      }),
      now: () => new Date(),
      newId: () => crypto.randomUUID(),
    };
  }
  return runtime;
}

/** For tests that start a runtime against other settings. */
export function resetRuntime(): void {
  runtime = undefined;
}
