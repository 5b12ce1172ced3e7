/**
 * The local HTTP adapter's own answers, as documented: a malformed percent-encoding in a path is the
 * caller's error (400, before authentication), and a body over 1 MiB is answered 413, read by
 * real clients (node:http and curl) that are still sending when the limit is passed.
 */
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MAX_BODY } from '../../local/server';
import { startTestBackend, type TestBackend } from './support';

let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend();
});
afterAll(async () => {
  await b.stop();
});

/** Sends the whole body with node:http, in 64 KiB chunks, and reads the answer: a reset fails the promise. */
function post(url: string, body: Buffer): Promise<{ status: number; contentType: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    const chunk = 64 * 1024;
    let at = 0;
    const write = () => {
      while (at < body.length) {
        const piece = body.subarray(at, at + chunk);
        at += piece.length;
        if (!req.write(piece)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

/**
 * A client that sends the whole request before it reads the answer, as many HTTP libraries do:
 * if the server closes the connection while the body is still being sent, the client gets a reset
 * (EPIPE, ECONNRESET) and never reads the answer.
 */
function sendAllThenRead(url: string, body: Buffer): Promise<{ status: number; body: string }> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const received: Buffer[] = [];
    socket.on('data', (c: Buffer) => received.push(c));
    socket.on('error', reject);
    socket.on('connect', async () => {
      const write = (piece: Buffer | string) => new Promise<void>((done, failed) => socket.write(piece, (err) => (err ? failed(err) : done())));
      try {
        await write(`POST ${pathname} HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`);
        for (let at = 0; at < body.length; at += 16 * 1024) await write(body.subarray(at, at + 16 * 1024));
      } catch (err) {
        return reject(err as Error);
      }
      socket.on('end', () => {
        const text = Buffer.concat(received).toString('utf8');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
        resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
      });
    });
  });
}

const jsonOf = (size: number): Buffer => {
  const text = Buffer.alloc(size, 'a');
  text.write('{"x":"', 0);
  text.write('"}', size - 2);
  return text;
};

describe('a malformed percent-encoding in a path', () => {
  it.each(['/children/%zz/consents', '/children/%E0%A4%A/consents', '/groups/%/roster'])('%s is a 400 problem, before authentication', async (p) => {
    const anonymous = await b.call('GET', p);
    expect(anonymous.status).toBe(400);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    expect(anonymous.body).toMatchObject({ status: 400, code: 'invalid_request', field: 'path', requestId: expect.any(String) });
    expect(anonymous.headers.get('apigw-requestid')).toBe(anonymous.body.requestId);
    const authenticated = await b.call('GET', p, { token: b.token('admin-1', 'admin') });
    expect(authenticated.body).toMatchObject({ status: 400, code: 'invalid_request', field: 'path' });
  });

  it('a well-formed encoding still reaches the function, decoded', async () => {
    const res = await b.call('GET', '/children/child-%78yz/consents', { token: b.token('admin-1', 'admin') });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('child_not_found');
  });
});

describe('a body over 1 MiB', () => {
  const url = () => `${b.url}/children/child-x/decisions`;

  it.each([
    ['1 MiB + 1 byte', MAX_BODY + 1],
    ['5 MiB', 5 * MAX_BODY],
  ])('of %s: node:http reads the 413 problem', async (_label, size) => {
    const res = await post(url(), jsonOf(size));
    expect(res.status).toBe(413);
    expect(res.contentType).toBe('application/problem+json');
    expect(JSON.parse(res.body)).toMatchObject({ status: 413, code: 'body_too_large', requestId: expect.any(String) });
  });

  it.each([
    ['1 MiB + 1 byte', MAX_BODY + 1],
    ['5 MiB', 5 * MAX_BODY],
  ])('of %s: fetch reads the 413 problem', async (_label, size) => {
    const res = await fetch(url(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: jsonOf(size) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ status: 413, code: 'body_too_large' });
  });

  it.each([
    ['1 MiB + 1 byte', MAX_BODY + 1],
    ['5 MiB', 5 * MAX_BODY],
  ])('of %s: a client that sends everything before it reads gets the 413 problem, not a reset', async (_label, size) => {
    const res = await sendAllThenRead(url(), jsonOf(size));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ status: 413, code: 'body_too_large' });
  });

  it('of 5 MiB: curl (which asks 100-continue first) reads the 413 problem', async () => {
    const file = path.join(tmpdir(), `bt-adapter-5mib-${process.pid}.json`);
    writeFileSync(file, jsonOf(5 * MAX_BODY));
    try {
      const { stdout } = await promisify(execFile)('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', '-X', 'POST', '-H', 'content-type: application/json', '--data-binary', `@${file}`, url()]);
      const [body, status] = stdout.split('\n');
      expect(status).toBe('413');
      expect(JSON.parse(body ?? '')).toMatchObject({ code: 'body_too_large' });
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('of exactly 1 MiB is not refused for its size: the function answers', async () => {
    const res = await post(url(), jsonOf(MAX_BODY));
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'unauthorized' });
  });
});
