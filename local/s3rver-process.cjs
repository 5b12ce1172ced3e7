// Runs s3rver (patched to store like S3: see s3rver-patches.cjs) and forwards its S3 event
// notifications (ObjectCreated:Put, ...) to the parent over IPC, so the local backend can invoke
// the same handler that S3 invokes in AWS.
//
// Started as: node --openssl-legacy-provider [--max-old-space-size=N] local/s3rver-process.cjs
//   <directory> <port> [<nonce>]   with stdio ['ignore', 'ignore', 'pipe', 'ipc'].
// - listens on 127.0.0.1 only;
// - GET /__local/health answers 200 {"engine":"s3rver","nonce":"<nonce>"}, so the parent can prove
//   that the server on the port is the process it just started;
// - IPC: {type:'ready', address, port} once listening, {type:'s3-event', event} per notification
//   (sent after the object is complete); exits when the IPC channel disconnects;
// - a start-up error (port in use, broken data file, ...) is one line on stderr, then exit code 1;
//   later problems are JSON lines on stderr.
// --openssl-legacy-provider: see TOOLCHAIN.md.
'use strict';
const http = require('node:http');
const { patchS3rver, validateDirectory, log } = require('./s3rver-patches.cjs');

const ADDRESS = '127.0.0.1';
const HEALTH_PATH = '/__local/health';

function fail(message) {
  process.stderr.write(`${String(message).split('\n')[0]}\n`, () => process.exit(1));
}

async function main() {
  const [directory, portArg, nonce = ''] = process.argv.slice(2);
  const port = Number(portArg);
  if (!directory || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error('usage: s3rver-process.cjs <directory> <port> [<nonce>]');
  }
  patchS3rver();
  const S3rver = require('s3rver');
  const unfinished = await validateDirectory(directory);
  // Logged only once the data is known good, so that a start-up error stays the one line on stderr.
  if (unfinished > 0) log('info', 'removed the bodies of uploads that never finished', { count: unfinished });

  const s3rver = new S3rver({ directory, address: ADDRESS, port, silent: true });
  s3rver.on('event', (event) => {
    if (process.send) process.send({ type: 's3-event', event });
  });
  s3rver.on('error', (err) => {
    // Koa reports a request's failure here; the client already has its answer.
    if (err && err.status && err.status < 500) return;
    log('error', 'request failed', { error: err && err.message ? err.message.split('\n')[0] : String(err) });
  });
  const s3 = s3rver.getMiddleware();
  const health = JSON.stringify({ engine: 's3rver', nonce });

  const server = http.createServer((req, res) => {
    if (req.url === HEALTH_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(health) });
      res.end(req.method === 'GET' ? health : undefined);
      return;
    }
    s3(req, res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', (err) => {
      if (err.code === 'EADDRINUSE') reject(new Error(`s3rver: port ${port} on ${ADDRESS} is already in use`));
      else if (err.code === 'EACCES') reject(new Error(`s3rver: not allowed to listen on port ${port} on ${ADDRESS}`));
      else reject(err);
    });
    server.listen(port, ADDRESS, () => resolve());
  });
  server.on('error', (err) => log('error', 'server error', { error: err.message }));
  const address = server.address();
  if (process.send) process.send({ type: 'ready', address: address.address, port: address.port });
}

process.on('disconnect', () => process.exit(0));
main().catch((err) => fail(err && err.message ? err.message : err));
