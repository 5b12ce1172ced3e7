/**
 * `npm start`: the whole backend on this machine, on real engines, with demo data and a local
 * token issuer. Options: --fresh (start from empty data), ports via BT_API_PORT, BT_ISSUER_PORT,
 * BT_DYNAMODB_PORT, BT_S3_PORT; data in BT_DATA_DIR (default .local-data).
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startDynamoDbLocal, startS3rver, type Engine } from './engines';
import { startBackend, type LocalBackend } from './backend';
import { DEMO_USERS, seedDemo } from './seed';

const port = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${name} must be a port number, got ${raw}`);
  return n;
};

async function main(): Promise<void> {
  const fresh = process.argv.includes('--fresh');
  const dataDir = path.resolve(process.env.BT_DATA_DIR ?? '.local-data');
  if (fresh) rmSync(dataDir, { recursive: true, force: true });

  const engines: Engine[] = [];
  let backend: LocalBackend | undefined;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    // The API and the work its requests started first (at most 10 s), then the engines under them.
    await Promise.race([backend?.stop(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]).catch(() => undefined);
    await Promise.allSettled(engines.map((e) => e.stop()));
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    const dynamo = await startDynamoDbLocal({ port: port('BT_DYNAMODB_PORT', 8000), dbPath: path.join(dataDir, 'dynamodb') });
    engines.push(dynamo);
    const s3 = await startS3rver({ port: port('BT_S3_PORT', 4569), directory: path.join(dataDir, 's3') });
    engines.push(s3);
    backend = await startBackend({
      dynamoEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      tableName: 'beeldtoestemming-local',
      bucketName: 'beeldtoestemming-local-media',
      apiPort: port('BT_API_PORT', 3000),
      issuerPort: port('BT_ISSUER_PORT', 3001),
      issuerKeyFile: path.join(dataDir, 'issuer-key.pem'),
      users: DEMO_USERS,
      s3Events: s3.onEvent,
    });
    const { getRuntime } = await import('../functions/shared/runtime');
    const seeded = await seedDemo(getRuntime());

    console.log(`
Beeldtoestemming local backend
  API            ${backend.url}
  API reference  ${backend.url}/docs   (OpenAPI: ${backend.url}/openapi.json)
  token issuer   ${backend.issuer.base}   (staff pool: ${backend.issuer.pools.staff.issuer}, family pool: ${backend.issuer.pools.family.issuer})
  DynamoDB Local ${dynamo.endpoint}   s3rver ${s3.endpoint}
  data           ${dataDir} ${seeded ? '(demo data loaded)' : '(kept from last run; --fresh to start over)'}

Get a token for a demo user and call the API:
  TOKEN=$(curl -s ${backend.issuer.base}/token/guardian-anna | sed 's/.*"access_token":"\\([^"]*\\)".*/\\1/')
  curl -s -H "Authorization: Bearer $TOKEN" ${backend.url}/me/children

Demo users: ${Object.entries(DEMO_USERS).map(([u, r]) => `${u} (${r})`).join(', ')}
Any other user: curl -s -X POST ${backend.issuer.base}/token -d '{"username":"...","role":"guardian"}'
Ctrl-C stops everything.`);
  } catch (err) {
    console.error(`Could not start the local backend: ${(err as Error).message}`);
    await stopAll(1);
  }
}

void main();
