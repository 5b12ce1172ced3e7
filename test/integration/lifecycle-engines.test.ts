/**
 * Issue 14, the engines themselves: every listener on loopback, a health check that proves the
 * answer comes from the process just started, damaged data refused before Java opens it, and the
 * committed DynamoDB Local launcher built from its source.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { CorruptDataError, checkDynamoDbFiles, freePort, startDynamoDbLocal, startS3rver, type Engine } from '../../local/engines';
import { listenerOwnedBy, PortInUseError } from '../../local/lifecycle';

jest.setTimeout(90_000);

const started: Engine[] = [];
const blockers: Server[] = [];
afterAll(async () => {
  await Promise.all(started.map((e) => e.stop()));
  await Promise.all(blockers.map((b) => new Promise((r) => b.close(r))));
});

/** Local addresses of listening IPv4/IPv6 sockets on `port`, as /proc/net/tcp{,6} list them. */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A')
      .map((f) => f[1]!.split(':')[0]!),
  );
}

/** Resolves 'refused' or 'connected' for a TCP connection to address:port. */
function tryConnect(address: string, port: number): Promise<'refused' | 'connected'> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', () => resolve('refused'));
    socket.once('timeout', () => {
      socket.destroy();
      resolve('refused');
    });
  });
}

test('DynamoDB Local and s3rver listen on 127.0.0.1 only, unreachable from the machine’s other addresses', async () => {
  const dynamo = await startDynamoDbLocal();
  started.push(dynamo);
  const s3 = await startS3rver({ directory: mkdtempSync(path.join(tmpdir(), 'bt-lifecycle-s3-')) });
  started.push(s3);
  const others = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal)
    .map((a) => a!.address.split('%')[0]!);
  for (const engine of [dynamo, s3]) {
    expect(listeners(engine.port)).toEqual(['0100007F']);
    expect(await tryConnect('127.0.0.1', engine.port)).toBe('connected');
    for (const address of others) expect([address, await tryConnect(address, engine.port)]).toEqual([address, 'refused']);
  }
});

test('the listening socket of a started engine is proven to be its own', async () => {
  const dynamo = started[0]!;
  expect(listenerOwnedBy(dynamo.pid, dynamo.port)).toBe(true);
  // Not ours: this test process does not hold that socket.
  expect(listenerOwnedBy(process.pid, dynamo.port)).toBe(false);
  const own = await occupy(await freePort());
  const address = own.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  expect(listenerOwnedBy(process.pid, port)).toBe(true);
  expect(listenerOwnedBy(dynamo.pid, port)).toBe(false);
});

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n\r\n<html>another server</html>'));
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      blockers.push(srv);
      resolve(srv);
    });
  });
}

test('DynamoDB Local on a port another server answers: refused as port in use, not "Unexpected token"', async () => {
  const port = await freePort();
  await occupy(port);
  await expect(startDynamoDbLocal({ port })).rejects.toEqual(new PortInUseError(port));
});

test('s3rver on a port another server answers: refused as port in use', async () => {
  const port = await freePort();
  await occupy(port);
  await expect(startS3rver({ port, directory: mkdtempSync(path.join(tmpdir(), 'bt-lifecycle-s3-')) })).rejects.toEqual(new PortInUseError(port));
});

test('an engine that ends reports it on exited, unasked', async () => {
  const dynamo = await startDynamoDbLocal();
  process.kill(dynamo.pid, 'SIGKILL');
  await expect(dynamo.exited).resolves.toEqual({ engine: 'DynamoDB Local', code: null, signal: 'SIGKILL', stopped: false });
});

test('a data file that is not SQLite is refused, naming the file and --fresh', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bt-lifecycle-db-'));
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'local_eu-central-1.db');
  writeFileSync(file, 'garbage, not a database'.repeat(50));
  expect(() => checkDynamoDbFiles(dir)).toThrow(CorruptDataError);
  expect(() => checkDynamoDbFiles(dir)).toThrow(new RegExp(`${file.replace(/[.]/g, '\\.')} is not a DynamoDB Local data file.*npm start -- --fresh`));
});

test('the committed DynamoDB Local launcher runs on Java 17 and is built from its source', () => {
  const classFile = path.resolve(__dirname, '../../local/java/BtDynamoDbLocal.class');
  const bytes = readFileSync(classFile);
  expect(bytes.readUInt32BE(0)).toBe(0xcafebabe);
  expect(bytes.readUInt16BE(6)).toBe(61); // class file version 61 = Java 17
  const javac = spawnSync('javac', ['-version']);
  if (javac.status !== 0) return; // a JRE only: nothing to rebuild with
  const out = mkdtempSync(path.join(tmpdir(), 'bt-launcher-'));
  const build = spawnSync(path.resolve(__dirname, '../../local/java/build.sh'), [out], { encoding: 'utf8' });
  expect(build.stderr).toBe('');
  expect(existsSync(path.join(out, 'BtDynamoDbLocal.class'))).toBe(true);
  // Another JDK may number its constants differently: compare the disassembly without them.
  const disassemble = (dir: string) =>
    spawnSync('javap', ['-c', '-p', '-cp', dir, 'BtDynamoDbLocal'], { encoding: 'utf8' }).stdout.replace(/#\d+(,\s*\d+)?/g, '#');
  expect(disassemble(out)).toBe(disassemble(path.dirname(classFile)));
});
