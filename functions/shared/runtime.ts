/**
 * Everything a function needs, built once per cold start from validated configuration.
 */
import { createRules, type Rules } from '../domain/rules';
import { createTokenVerifier, type TokenVerifier } from './auth';
import { runtimeConfig, type RuntimeConfig } from './config';
import { documentClient } from './dynamo';
import { AuditRepository } from './repositories/audit';
import { ChildrenRepository } from './repositories/children';
import { ConsentLedgerRepository } from './repositories/consent-ledger';
import { DirectoryRepository } from './repositories/directory';
import { IdempotencyRepository } from './idempotency';
import { ErasureRepository } from './repositories/erasure';
import { MediaRepository } from './repositories/media';
import { RequestsRepository } from './repositories/requests';
import { MediaStore, s3Client } from './media-store';

export interface Runtime {
  config: RuntimeConfig;
  /** The consent rules, bound to this organisation's age policy and retention once. */
  rules: Rules;
  children: ChildrenRepository;
  ledger: ConsentLedgerRepository;
  directory: DirectoryRepository;
  media: MediaRepository;
  audit: AuditRepository;
  requests: RequestsRepository;
  erasure: ErasureRepository;
  idempotency: IdempotencyRepository;
  /** The footage bucket; throws when this function was deployed without one. */
  store: () => MediaStore;
  verify: TokenVerifier;
  now: () => Date;
  newId: () => string;
}

let runtime: Runtime | undefined;

function lazyStore(config: RuntimeConfig): () => MediaStore {
  let store: MediaStore | undefined;
  return () => {
    if (!config.BUCKET_NAME) throw new Error('BUCKET_NAME is not configured for this function');
    store ??= new MediaStore(s3Client(config.S3_ENDPOINT), config.BUCKET_NAME, config.UPLOAD_URL_TTL_SECONDS);
    return store;
  };
}

/**
 * Builds a runtime from validated configuration: what the handlers use, and what tests and
 * benchmarks build for a table and bucket of their own (typed, so that nothing can be missing).
 */
export function createRuntime(config: RuntimeConfig): Runtime {
  const db = documentClient(config.DYNAMODB_ENDPOINT);
  const children = new ChildrenRepository(db, config.TABLE_NAME);
  return {
    config,
    rules: createRules({ agePolicy: config.AGE_POLICY, retention: config.RETENTION_YEARS, channels: config.CHANNELS }),
    children,
    ledger: new ConsentLedgerRepository(db, config.TABLE_NAME),
    directory: new DirectoryRepository(db, config.TABLE_NAME),
    media: new MediaRepository(db, config.TABLE_NAME),
    audit: new AuditRepository(db, config.TABLE_NAME),
    requests: new RequestsRepository(db, config.TABLE_NAME),
    erasure: new ErasureRepository(db, config.TABLE_NAME),
    idempotency: new IdempotencyRepository(db, config.TABLE_NAME),
    store: lazyStore(config),
    verify: createTokenVerifier(config.JWT_ISSUERS),
    now: () => new Date(),
    newId: () => crypto.randomUUID(),
  };
}

export function getRuntime(): Runtime {
  runtime ??= createRuntime(runtimeConfig());
  return runtime;
}

/** For tests that start a runtime against other settings. */
export function resetRuntime(): void {
  runtime = undefined;
}
