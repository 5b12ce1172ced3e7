/**
 * `npm start`: the whole backend on this machine, on real engines, with demo data and a local
 * token issuer. Options: --fresh (start from empty data), --org <file> (the organisation's settings,
 * default infra/organisations/demo.json); ports via BT_API_PORT, BT_ISSUER_PORT, BT_DYNAMODB_PORT,
 * BT_S3_PORT; data in BT_DATA_DIR (default .local-data).
 *
 * Lifecycle: SIGINT, SIGTERM or SIGHUP, or the end of the npm process that ran this script (npm
 * forwards only SIGINT and SIGTERM, and a SIGKILL forwards nothing), stop the API, the work it
 * started and then the engines, within 10 s, and print one line saying so. The engines run in
 * their own process groups, so a Ctrl-C to the terminal's group reaches only this process, which
 * stops them in order; if this process is killed outright they exit by themselves (see engines.ts).
 * An engine that ends on its own stops the backend with exit code 1.
 *
 * The script runs as `node --import tsx`, not through the tsx command: tsx's own process relays
 * signals to its child and, now and then, on a Ctrl-C to the whole group, ended it with 130 before
 * it could stop anything in order (one run in three).
 */
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readOrganisationConfig, DEFAULT_CONFIG_FILE, type OrganisationConfig } from '../infra/config';
import { startDynamoDbLocal, startS3rver, type Engine, type EngineExit } from './engines';
import { startBackend, type LocalBackend } from './backend';
import { assertPortFree, PORT_SETTINGS, PortInUseError, portFromEnv, watchAncestors, type PortName } from './lifecycle';
import { DEMO_USERS, seedDemo } from './seed';
import { ORGANISATION_COPY } from './attach';

/** Budgets of the stop (10 s in all): the API and its work, then the engines (SIGKILL after 2 s). */
const BACKEND_STOP_MS = 6000;

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a file, e.g. ${flag} ${DEFAULT_CONFIG_FILE}`);
  return value;
}

// The terminal or the pipe reading us may be gone when we stop: nothing to report it to.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

async function main(): Promise<void> {
  const fresh = process.argv.includes('--fresh');
  const dataDir = path.resolve(process.env.BT_DATA_DIR ?? '.local-data');

  let organisation: OrganisationConfig;
  let ports: Record<PortName, number>;
  try {
    organisation = readOrganisationConfig(argValue('--org') ?? DEFAULT_CONFIG_FILE);
    ports = { api: portFromEnv('api'), issuer: portFromEnv('issuer'), dynamodb: portFromEnv('dynamodb'), s3: portFromEnv('s3') };
  } catch (err) {
    console.error(`Could not start the local backend: ${(err as Error).message}`);
    process.exit(1);
  }
  const portLine = (port: number): string => {
    const name = (Object.keys(ports) as PortName[]).find((n) => ports[n] === port);
    const variable = name ? PORT_SETTINGS[name].variable : 'the BT_*_PORT variables';
    return `Could not start the local backend: port ${port} on 127.0.0.1 is in use; stop what uses it or choose another port with ${variable}=<port>.`;
  };

  const engines: Engine[] = [];
  let backend: LocalBackend | undefined;
  let stopping = false;
  const stopAll = async (code: number, reason?: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    // The API and the work its requests started first, then the engines under them.
    await Promise.race([backend?.stop(), new Promise((resolve) => setTimeout(resolve, BACKEND_STOP_MS).unref())]).catch(() => undefined);
    await Promise.allSettled(engines.map((e) => e.stop()));
    if (reason) console.log(`Local backend stopped (${reason}): API, token issuer and engines are down.`);
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopAll(0, signal));
  watchAncestors((pid) => void stopAll(0, `the process that started it, pid ${pid}, has ended`));
  // A port taken between the check and the listen (the issuer and the API have no error handler).
  process.on('uncaughtException', (err: Error) => {
    const port = portInUse(err);
    if (port !== undefined) console.error(portLine(port));
    else console.error(`The local backend failed: ${err.message}`);
    void stopAll(1);
  });
  const engineDied = (exit: EngineExit): void => {
    if (stopping || exit.stopped) return;
    const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
    console.error(`${exit.engine} stopped unexpectedly (${how}): the local backend stops too; start it again with \`npm start\`.`);
    void stopAll(1);
  };

  try {
    // Every port first: nothing is started when one is taken.
    for (const port of Object.values(ports)) await assertPortFree(port);
    if (fresh) rmSync(dataDir, { recursive: true, force: true });
    const dynamo = await startDynamoDbLocal({ port: ports.dynamodb, dbPath: path.join(dataDir, 'dynamodb') });
    engines.push(dynamo);
    void dynamo.exited.then(engineDied);
    if (stopping) return;
    const s3 = await startS3rver({ port: ports.s3, directory: path.join(dataDir, 's3') });
    engines.push(s3);
    void s3.exited.then(engineDied);
    if (stopping) return;
    backend = await startBackend({
      dynamoEndpoint: dynamo.endpoint,
      s3Endpoint: s3.endpoint,
      tableName: 'beeldtoestemming-local',
      bucketName: 'beeldtoestemming-local-media',
      apiPort: ports.api,
      issuerPort: ports.issuer,
      issuerKeyFile: path.join(dataDir, 'issuer-key.pem'),
      users: DEMO_USERS,
      s3Events: s3.onEvent,
      organisation,
    });
    if (stopping) return;
    // The tools that attach to this backend (npm run sweep, audit:verify) run with the same settings.
    writeFileSync(path.join(dataDir, ORGANISATION_COPY), `${JSON.stringify(organisation, null, 2)}\n`);
    const { getRuntime } = await import('../functions/shared/runtime');
    const seeded = await seedDemo(getRuntime());

    console.log(`
Beeldtoestemming local backend — organisation ${organisation.organisationId}
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
    if (stopping) return;
    const port = err instanceof PortInUseError ? err.port : portInUse(err);
    if (port !== undefined) console.error(portLine(port));
    else console.error(`Could not start the local backend: ${(err as Error).message}`);
    await stopAll(1);
  }
}

/**
 * The port of a listen that failed with EADDRINUSE: Node's own error carries it as `port`; the
 * issuer's and the API's one-line errors ("the API's port 3000 is in use") name it.
 */
function portInUse(err: unknown): number | undefined {
  if (!(err instanceof Error) || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') return undefined;
  const own = (err as { port?: unknown }).port;
  if (typeof own === 'number') return own;
  const named = /port (\d+)/.exec(err.message)?.[1];
  return named === undefined ? undefined : Number(named);
}

void main();
