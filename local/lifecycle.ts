/**
 * What `npm start` needs to never leave a mess: ports checked before anything starts, and a watch
 * on the processes that started it (npm, sh, tsx), so that the backend stops when they are gone,
 * however they went (a SIGHUP npm does not forward, a SIGKILL).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/** The ports `npm start` uses, with the variable that moves each and its default. */
export const PORT_SETTINGS = {
  api: { variable: 'BT_API_PORT', fallback: 3000 },
  issuer: { variable: 'BT_ISSUER_PORT', fallback: 3001 },
  dynamodb: { variable: 'BT_DYNAMODB_PORT', fallback: 8000 },
  s3: { variable: 'BT_S3_PORT', fallback: 4569 },
} as const;
export type PortName = keyof typeof PORT_SETTINGS;

/** Thrown when a port is taken; `start.ts` turns it into one line naming the variable. */
export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is in use`);
    this.name = 'PortInUseError';
  }
}

/** The port for `name` from its variable, or its default; throws one line for a bad value. */
export function portFromEnv(name: PortName, env: NodeJS.ProcessEnv = process.env): number {
  const { variable, fallback } = PORT_SETTINGS[name];
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`${variable} must be a port number (1-65535), got ${JSON.stringify(raw)}`);
  return n;
}

/** Resolves when `port` can be listened on at 127.0.0.1, rejects with PortInUseError when it cannot. */
export function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? new PortInUseError(port) : err));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve()));
  });
}

interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: tells a process from a later one that reuses its pid. */
  startTime: string;
}

function readStat(pid: number): { ppid: number; startTime: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), startTime: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * The processes to outlive none of: the parent, and up the tree to the npm process that ran the
 * script when there is one (npm → sh → tsx → node), at most four levels. Outside Linux: the parent.
 */
export function ancestorsToWatch(): ProcessIdentity[] {
  const chain: ProcessIdentity[] = [];
  let pid = process.ppid;
  for (let level = 0; level < 4 && pid > 1; level++) {
    const stat = readStat(pid);
    if (!stat) break;
    chain.push({ pid, startTime: stat.startTime });
    if (/(^|[\s/])npm(-cli\.js)?(\s|$)/.test(commandLine(pid))) return chain;
    pid = stat.ppid;
  }
  // No npm above us (run directly, or not Linux): the parent alone.
  return chain.slice(0, 1).length > 0 ? chain.slice(0, 1) : [{ pid: process.ppid, startTime: '' }];
}

/**
 * Calls `onGone` once when a watched ancestor has ended (checked every `intervalMs`). The timer is
 * unref'd: it keeps nothing alive by itself. Returns a function that ends the watch.
 */
export function watchAncestors(onGone: (pid: number) => void, intervalMs = 250): () => void {
  const watched = ancestorsToWatch();
  const originalParent = process.ppid;
  const timer = setInterval(() => {
    const gone = watched.find((p) => {
      if (p.pid === originalParent && process.ppid !== originalParent) return true;
      if (!p.startTime) return false;
      const stat = readStat(p.pid);
      // A zombie still has its stat; ended is ended.
      return !stat || stat.startTime !== p.startTime || isZombie(p.pid);
    });
    if (gone) {
      clearInterval(timer);
      onGone(gone.pid);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/**
 * Whether the socket listening on 127.0.0.1:`port` belongs to process `pid`, from /proc/net/tcp
 * and the process's open files: proof that an answer on that port comes from the process just
 * started, not from another server. Undefined where /proc cannot tell (not Linux).
 */
export function listenerOwnedBy(pid: number, port: number): boolean | undefined {
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return undefined;
  }
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f[1] === local && f[3] === '0A')
    .map((f) => f[9]);
  if (inodes.length === 0) return false;
  try {
    const fds = readdirSync(`/proc/${pid}/fd`);
    const links = new Set(
      fds.map((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          return '';
        }
      }),
    );
    return inodes.some((inode) => links.has(`socket:[${inode}]`));
  } catch {
    return false;
  }
}
