// Makes s3rver 3.7.1's filesystem store behave like S3 where the local backend depends on it.
//
// s3rver writes an object in place while its body streams in, and removes a key's emptied folder
// (e.g. `uploads/`) on delete. Under concurrent uploads that crashed the process: a PUT opened its
// file in a folder a delete had just removed, and the write stream's error had no listener. A
// reader also saw a partial object while its PUT was still streaming.
//
// Here every body is written to a unique file in `<directory>/.s3rver-incoming/` (a folder that is
// never removed; no bucket can have that name) and, once the body is complete, renamed into
// place. The metadata and MD5 files are written the same way, before the object itself, so an
// object appears (stat, HEAD, GET, listing) only when its PUT has finished. Reads, writes and
// deletes of one key are serialised in this process, so a reader never pairs one version's
// metadata with another's bytes. A broken metadata or MD5 file is never replaced: reading it
// fails with a message that names the file and `--fresh` (see `validateDirectory`).
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const path = require('node:path');
const { pipeline } = require('node:stream/promises');
const { Transform } = require('node:stream');

const INCOMING = '.s3rver-incoming';
const SUFFIX = '._S3rver_';
const FRESH_HINT = 'move it away, or start from empty data with `npm start -- --fresh`';

/** One JSON object per line on stderr; never an object's content. */
function log(level, msg, fields = {}) {
  process.stderr.write(`${JSON.stringify({ level, engine: 's3rver', msg, ...fields })}\n`);
}

/** An error naming the broken file and the way out (one line). */
class CorruptFileError extends Error {
  constructor(file, problem) {
    super(`s3rver: ${file} is ${problem}; ${FRESH_HINT}`);
    this.name = 'CorruptFileError';
    this.file = file;
  }
}

function parseMetadata(file, text) {
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CorruptFileError(file, 'not valid JSON (a broken s3rver metadata file)');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CorruptFileError(file, 'not a JSON object (a broken s3rver metadata file)');
  }
  return parsed;
}

function parseMd5(file, text) {
  if (!/^[0-9a-f]{32}$/.test(text)) throw new CorruptFileError(file, 'not an MD5 checksum (a broken s3rver checksum file)');
  return text;
}

/** Yields every file below `dir`, skipping entries that vanish while it looks (a concurrent delete). */
function* tolerantWalk(dir, recurseFilter) {
  let names;
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return;
    throw err;
  }
  for (const name of names) {
    const filePath = path.posix.join(dir, name);
    let stats;
    try {
      stats = fs.statSync(filePath);
    } catch (err) {
      if (err.code === 'ENOENT') continue;
      throw err;
    }
    if (!stats.isDirectory()) yield filePath;
    else if (!recurseFilter || recurseFilter(filePath)) yield* tolerantWalk(filePath, recurseFilter);
  }
}

/** The MD5 of a file's bytes, streamed. */
async function md5OfFile(file) {
  const hash = crypto.createHash('md5');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Checks the data directory before the server starts: every metadata and MD5 file must parse, and
 * every object must have its metadata (s3rver writes it after the body, so an object without it
 * was cut off while streaming) and match its MD5 (an overwrite cut off). Bodies of PUTs that never
 * finished are removed from the incoming folder (they were never visible). Throws a
 * CorruptFileError for the first broken file; nothing in the buckets is changed. Resolves with the
 * number of unfinished bodies removed.
 */
async function validateDirectory(directory) {
  const incoming = path.join(directory, INCOMING);
  await fsp.mkdir(incoming, { recursive: true });
  const leftovers = await fsp.readdir(incoming);
  for (const name of leftovers) await fsp.rm(path.join(incoming, name), { force: true, recursive: true });

  const stack = (await fsp.readdir(directory)).filter((name) => name !== INCOMING).map((name) => path.join(directory, name));
  while (stack.length > 0) {
    const current = stack.pop();
    if ((await fsp.stat(current)).isDirectory()) {
      for (const name of await fsp.readdir(current)) stack.push(path.join(current, name));
    } else if (current.endsWith(`${SUFFIX}metadata.json`)) {
      parseMetadata(current, await fsp.readFile(current, 'utf8'));
    } else if (current.endsWith(`${SUFFIX}object`)) {
      const base = current.slice(0, -'object'.length);
      if (!fs.existsSync(`${base}metadata.json`)) throw new CorruptFileError(current, 'an object without its metadata (written only in part)');
      const md5File = `${current}.md5`;
      if (fs.existsSync(md5File)) {
        const expected = parseMd5(md5File, await fsp.readFile(md5File, 'utf8'));
        if ((await md5OfFile(current)) !== expected) throw new CorruptFileError(current, 'an object whose bytes do not match its MD5 (written only in part)');
      }
    }
  }
  return leftovers.length;
}

/** Serialises work per key within this process; readers wait for a write in progress. */
const queues = new Map();
function exclusive(id, work) {
  const previous = queues.get(id) ?? Promise.resolve();
  const run = previous.then(work);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(id, tail);
  void tail.then(() => {
    if (queues.get(id) === tail) queues.delete(id);
  });
  return run;
}

const isMissing = (err) => err && err.code === 'ENOENT';

/**
 * Patches s3rver's FilesystemStore (and the directory walker it takes from its utils). Must run
 * before anything else requires s3rver, so that the store module binds the patched walker.
 */
function patchS3rver() {
  const storePath = require.resolve('s3rver/lib/stores/filesystem');
  if (require.cache[storePath]) throw new Error('s3rver-patches must be applied before s3rver is loaded');
  require('s3rver/lib/utils').walk = tolerantWalk;
  const FilesystemStore = require('s3rver/lib/stores/filesystem');
  const S3Object = require('s3rver/lib/models/object');
  const S3Error = require('s3rver/lib/models/error');
  const proto = FilesystemStore.prototype;
  const originalGetObject = proto.getObject;

  const keyId = (bucket, key) => `${bucket}\u0000${key}`;
  const incomingPath = (store) => path.join(store.rootDirectory, INCOMING, crypto.randomUUID());

  /** Writes `data` to a fresh file in the incoming folder and returns its path. */
  async function stage(store, data) {
    const file = incomingPath(store);
    await fsp.writeFile(file, data, { flag: 'wx' });
    return file;
  }

  /** Renames staged files into place, creating the key's folder again if a delete removed it meanwhile. */
  async function install(moves) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        for (const [from, to] of moves) {
          await fsp.mkdir(path.dirname(to), { recursive: true });
          await fsp.rename(from, to);
        }
        return;
      } catch (err) {
        const stillStaged = await Promise.all(moves.map(([from]) => fsp.access(from).then(() => true, () => false)));
        if (!isMissing(err) || attempt >= 50 || !stillStaged[stillStaged.length - 1]) throw err;
        moves = moves.filter((_, i) => stillStaged[i]);
      }
    }
  }

  function metadataJson(metadata) {
    const json = {};
    for (const [name, value] of Object.entries(metadata ?? {})) {
      if (S3Object.ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-')) json[name] = value;
    }
    return JSON.stringify(json, null, 2);
  }

  /** Puts metadata and checksum in place, then the body: the object appears last, complete. */
  async function commit(store, bucket, key, body, metadata, md5) {
    const staged = [];
    try {
      if (md5) staged.push([await stage(store, md5), store.getResourcePath(bucket, key, 'object.md5')]);
      if (metadata) staged.push([await stage(store, metadataJson(metadata)), store.getResourcePath(bucket, key, 'metadata.json')]);
      staged.push([body, store.getResourcePath(bucket, key, 'object')]);
      await exclusive(keyId(bucket, key), () => install(staged));
    } catch (err) {
      await Promise.all(staged.map(([from]) => fsp.rm(from, { force: true })));
      throw err;
    }
  }

  /** Streams `content` (a Buffer or a readable) to a staged file; returns its path, size and MD5. */
  async function receive(store, content) {
    const file = incomingPath(store);
    const md5 = crypto.createHash('md5');
    let size = 0;
    try {
      if (Buffer.isBuffer(content)) {
        md5.update(content);
        size = content.length;
        await fsp.writeFile(file, content, { flag: 'wx' });
      } else {
        const counter = new Transform({
          transform(chunk, _encoding, callback) {
            md5.update(chunk);
            size += chunk.length;
            callback(null, chunk);
          },
        });
        await pipeline(content, counter, fs.createWriteStream(file, { flags: 'wx' }));
      }
    } catch (err) {
      await fsp.rm(file, { force: true });
      throw err;
    }
    return { file, size, md5: md5.digest('hex') };
  }

  async function readMetadataFile(file) {
    try {
      return parseMetadata(file, await fsp.readFile(file, 'utf8'));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async function md5Of(store, bucket, key, objectPath) {
    const file = `${objectPath}.md5`;
    try {
      return parseMd5(file, await fsp.readFile(file, 'utf8'));
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    // An object written without its checksum file (by an older s3rver): compute it once.
    const md5 = await md5OfFile(objectPath);
    const staged = await stage(store, md5);
    await fsp.rename(staged, file).catch(async (err) => {
      await fsp.rm(staged, { force: true });
      if (!isMissing(err)) throw err;
    });
    return md5;
  }

  /** A broken file answers 500 naming the file (one line logged), instead of an anonymous error. */
  function reported(err) {
    if (!(err instanceof CorruptFileError)) return err;
    log('error', err.message, { file: err.file });
    return new S3Error('InternalError', err.message);
  }

  proto.getMetadata = async function getMetadata(bucket, key) {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    // this is expected to throw ENOENT if the object doesn't exist
    const stat = await fsp.stat(objectPath);
    try {
      const [stored, md5] = await Promise.all([
        readMetadataFile(this.getResourcePath(bucket, key, 'metadata.json')),
        md5Of(this, bucket, key, objectPath),
      ]);
      return { ...stored, etag: JSON.stringify(md5), 'last-modified': stat.mtime.toUTCString(), 'content-length': stat.size };
    } catch (err) {
      throw reported(err);
    }
  };

  proto.putMetadata = async function putMetadata(bucket, key, metadata, md5) {
    const staged = [];
    if (md5) staged.push([await stage(this, md5), this.getResourcePath(bucket, key, 'object.md5')]);
    staged.push([await stage(this, metadataJson(metadata)), this.getResourcePath(bucket, key, 'metadata.json')]);
    await install(staged);
  };

  proto.getObject = function getObject(bucket, key, options) {
    // The stream is open when this resolves, so metadata and bytes are of the same version.
    return exclusive(keyId(bucket, key), () => originalGetObject.call(this, bucket, key, options));
  };

  proto.putObject = async function putObject(object) {
    const { file, size, md5 } = await receive(this, object.content);
    try {
      await commit(this, object.bucket, object.key, file, object.metadata, md5);
    } finally {
      await fsp.rm(file, { force: true });
    }
    return { size, md5 };
  };

  proto.copyObject = async function copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata) {
    const srcObjectPath = this.getResourcePath(srcBucket, srcKey, 'object');
    const destObjectPath = this.getResourcePath(destBucket, destKey, 'object');
    if (srcObjectPath === destObjectPath) {
      if (replacementMetadata) await exclusive(keyId(destBucket, destKey), () => this.putMetadata(destBucket, destKey, replacementMetadata));
      return this.getMetadata(destBucket, destKey);
    }
    const body = incomingPath(this);
    const source = await exclusive(keyId(srcBucket, srcKey), async () => {
      await fsp.copyFile(srcObjectPath, body);
      return replacementMetadata ? undefined : readMetadataFile(this.getResourcePath(srcBucket, srcKey, 'metadata.json'));
    }).catch(async (err) => {
      await fsp.rm(body, { force: true });
      throw reported(err);
    });
    try {
      await commit(this, destBucket, destKey, body, replacementMetadata ?? source ?? {}, await md5OfFile(body));
    } finally {
      await fsp.rm(body, { force: true });
    }
    return this.getMetadata(destBucket, destKey);
  };

  proto.deleteObject = function deleteObject(bucket, key) {
    return exclusive(keyId(bucket, key), async () => {
      await Promise.all(
        ['object', 'object.md5', 'metadata.json'].map((resource) => fsp.rm(this.getResourcePath(bucket, key, resource), { force: true })),
      );
      // Remove the key's emptied folders, as s3rver does; a folder another PUT is filling stays.
      const parts = key.split('/');
      parts.pop();
      while (parts.length > 0) {
        try {
          await fsp.rmdir(path.join(this.getBucketPath(bucket), ...parts));
        } catch (err) {
          if (['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes(err.code)) return;
          throw err;
        }
        parts.pop();
      }
    });
  };

  proto.putPart = async function putPart(bucket, uploadId, partNumber, content) {
    const partPath = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    const { file, size, md5 } = await receive(this, content);
    try {
      await install([
        [await stage(this, md5), `${partPath}.md5`],
        [file, partPath],
      ]);
    } finally {
      await fsp.rm(file, { force: true });
    }
    return { size, md5 };
  };

  const originalGetBucket = proto.getBucket;
  proto.getBucket = function getBucket(bucket) {
    return bucket === INCOMING ? Promise.resolve(null) : originalGetBucket.call(this, bucket);
  };
}

module.exports = { patchS3rver, validateDirectory, CorruptFileError, INCOMING, log };
