// Runs s3rver and forwards its S3 event notifications (ObjectCreated:Put, ...) to the parent over
// IPC, so the local backend can invoke the same handler that S3 invokes in AWS.
// Started with --openssl-legacy-provider (see TOOLCHAIN.md). Arguments: <directory> <port>.
'use strict';
const S3rver = require('s3rver');

const [directory, port] = process.argv.slice(2);
const server = new S3rver({ directory, address: '127.0.0.1', port: Number(port), silent: true });
server.on('event', (event) => {
  if (process.send) process.send({ type: 's3-event', event });
});
server.run().then(
  () => process.send && process.send({ type: 'ready' }),
  (err) => {
    console.error(err.message);
    process.exit(1);
  },
);
process.on('disconnect', () => process.exit(0));
