/**
 * A local token issuer standing in for the two Cognito user pools: RS256 access tokens with
 * Cognito's claims (`iss`, `sub`, `username`, `client_id`, `token_use`, `cognito:groups`), and the
 * JWKS the API verifies them with. Each pool has its own issuer URL (`<base>/staff`,
 * `<base>/family`), signing key and app client, as in AWS. Tokens are signed with node:crypto;
 * verification on the API side is aws-jwt-verify, exactly as in AWS.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { POOLS, ROLES, poolOfRole, type IssuerSettings, type Pool, type Role } from '../functions/shared/auth';
import { ACCESS_TOKEN_VALIDITY_MINUTES } from '../infra/token-validity';

/** Seconds an access token lives, as Cognito's app clients are deployed (`expires_in`). */
export const ACCESS_TOKEN_SECONDS = ACCESS_TOKEN_VALIDITY_MINUTES * 60;

/** The app client of each pool, as the staff tablets and the parents' app are in AWS. */
export const LOCAL_CLIENT_IDS: Record<Pool, string> = {
  staff: 'local-staff-tablet',
  family: 'local-parents-app',
};

export interface TokenClaims {
  username: string;
  role: Role | Role[];
  /** Seconds; negative for an already expired token. By default Cognito's lifetime, ACCESS_TOKEN_SECONDS. */
  expiresIn?: number;
  /** Tests only: a token without `exp`, which the API must refuse (Cognito always sets one). */
  withoutExpiry?: boolean;
  clientId?: string;
  tokenUse?: 'access' | 'id';
  /** The pool that signs; by default the pool of the (first) role. Another pool makes a token the API must refuse. */
  pool?: Pool;
}

export interface LocalPool {
  issuer: string;
  jwksUri: string;
  clientId: string;
}

export interface LocalIssuer {
  /** The server's base URL; each pool's issuer is below it. */
  base: string;
  pools: Record<Pool, LocalPool>;
  /** What the functions trust: `JWT_ISSUERS` (functions/shared/config.ts). */
  settings: IssuerSettings[];
  mint: (claims: TokenClaims) => string;
  stop: () => Promise<void>;
}

const b64url = (value: object | Buffer): string =>
  (Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value))).toString('base64url');

/** Signs a JWT with any key: also used by tests to forge tokens the API must refuse. */
export function signJwt(payload: object, key: KeyObject, kid: string): string {
  const header = b64url({ alg: 'RS256', typ: 'JWT', kid });
  const body = b64url(payload);
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${body}`), key);
  return `${header}.${body}.${b64url(signature)}`;
}

/**
 * A user's `sub`: as in Cognito, the same user of a pool always has the same one, and no other user
 * has it. Derived from pool and username (a name-based UUID, RFC 9562 version 5), so it survives
 * restarts and `--fresh`.
 */
export function localSub(pool: Pool, username: string): string {
  const hash = createHash('sha1').update(`beeldtoestemming-local-issuer/${pool}/${username}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The pool's signing key: read from its file, or created and written (atomically: a crash leaves
 * no half-written key). A file that is not an RSA private key is never replaced: tokens signed
 * with it would silently stop working.
 */
function loadOrCreateKey(keyFile?: string): KeyObject {
  if (keyFile && existsSync(keyFile)) {
    let key: KeyObject | undefined;
    try {
      key = createPrivateKey(readFileSync(keyFile));
    } catch {
      key = undefined;
    }
    if (key?.asymmetricKeyType !== 'rsa') {
      throw new Error(`the token issuer's key file ${keyFile} is not an RSA private key (damaged?); restore it, or start over with --fresh (new keys and data)`);
    }
    return key;
  }
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (keyFile) {
    mkdirSync(path.dirname(keyFile), { recursive: true });
    const partial = `${keyFile}.${process.pid}.partial`;
    writeFileSync(partial, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    renameSync(partial, keyFile);
  }
  return privateKey;
}

export interface IssuerOptions {
  port: number;
  /**
   * Keeps the signing keys across restarts, so issued tokens stay valid: one file per pool, named
   * after this one (`issuer-key.pem` -> `issuer-key.staff.pem`, `issuer-key.family.pem`).
   */
  keyFile?: string;
  /** Known users for `GET /token/<username>`; anyone can be minted with `POST /token`. */
  users?: Record<string, Role>;
}

const keyFileOf = (keyFile: string | undefined, pool: Pool) =>
  keyFile ? keyFile.replace(/(\.pem)?$/, `.${pool}.pem`) : undefined;

/**
 * A pool's OpenID discovery document, as Cognito serves one per user pool. Tokens are not got by an
 * OAuth flow here: `token_endpoint` is the local `POST /token` (JSON `{"username","role"}`), and
 * `GET /token/<username>` mints one for a demo user.
 */
export function openIdConfiguration(base: string, pool: LocalPool): Record<string, unknown> {
  return {
    issuer: pool.issuer,
    jwks_uri: pool.jwksUri,
    token_endpoint: `${base}/token`,
    response_types_supported: ['token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['none'],
    scopes_supported: ['aws.cognito.signin.user.admin'],
    claims_supported: ['iss', 'sub', 'username', 'client_id', 'token_use', 'cognito:groups', 'scope', 'auth_time', 'iat', 'exp', 'jti'],
  };
}

/** Listens on 127.0.0.1; a port in use is a rejected promise with one line, not an uncaught error. */
export function listenOnLoopback(server: Server, port: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) =>
      reject(Object.assign(new Error(err.code === 'EADDRINUSE' ? `the ${what}'s port ${port} is in use` : `the ${what} cannot listen on 127.0.0.1:${port} (${err.code ?? err.message})`), { code: err.code }));
    server.once('error', failed);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', failed);
      resolve();
    });
  });
}

export async function startLocalIssuer(options: IssuerOptions): Promise<LocalIssuer> {
  // Keys first: a damaged key file stops the start before a port is taken.
  const keys = { staff: loadOrCreateKey(keyFileOf(options.keyFile, 'staff')), family: loadOrCreateKey(keyFileOf(options.keyFile, 'family')) };
  const server: Server = createServer((req, res) => serve(req, res));
  await listenOnLoopback(server, options.port, 'token issuer');
  const address = server.address();
  // The actual port: 0 asks for any free one.
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : options.port}`;
  const signer = (pool: Pool) => {
    const privateKey = keys[pool];
    const jwk = { ...createPublicKey(privateKey).export({ format: 'jwk' }), kid: `local-${pool}-1`, alg: 'RS256', use: 'sig' };
    const issuer = `${base}/${pool}`;
    const local: LocalPool = { issuer, jwksUri: `${issuer}/.well-known/jwks.json`, clientId: LOCAL_CLIENT_IDS[pool] };
    return { privateKey, jwk, pool: local };
  };
  const signers = { staff: signer('staff'), family: signer('family') } satisfies Record<Pool, unknown>;

  const mint = (claims: TokenClaims): string => {
    const now = Math.floor(Date.now() / 1000);
    const roles = Array.isArray(claims.role) ? claims.role : [claims.role];
    const pool = claims.pool ?? poolOfRole(roles[0] ?? 'guardian');
    const by = signers[pool];
    return signJwt(
      {
        iss: by.pool.issuer,
        sub: localSub(pool, claims.username),
        username: claims.username,
        client_id: claims.clientId ?? by.pool.clientId,
        token_use: claims.tokenUse ?? 'access',
        'cognito:groups': roles,
        scope: 'aws.cognito.signin.user.admin',
        auth_time: now,
        iat: now,
        ...(claims.withoutExpiry ? {} : { exp: now + (claims.expiresIn ?? ACCESS_TOKEN_SECONDS) }),
        jti: randomUUID(),
      },
      by.privateKey,
      by.jwk.kid,
    );
  };

  function serve(req: IncomingMessage, res: ServerResponse): void {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', base);
    const jwks = /^\/(staff|family)\/\.well-known\/jwks\.json$/.exec(url.pathname)?.[1] as Pool | undefined;
    if (req.method === 'GET' && jwks) return send(200, { keys: [signers[jwks].jwk] });
    const discovery = /^\/(staff|family)\/\.well-known\/openid-configuration$/.exec(url.pathname)?.[1] as Pool | undefined;
    if (req.method === 'GET' && discovery) return send(200, openIdConfiguration(base, signers[discovery].pool));
    const known = /^\/token\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && known?.[1]) {
      const username = decodeURIComponent(known[1]);
      const role = options.users?.[username];
      if (!role) return send(404, { error: `unknown demo user ${username}`, users: Object.keys(options.users ?? {}) });
      return send(200, { access_token: mint({ username, role }), token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS });
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        try {
          const body = JSON.parse(raw) as { username?: unknown; role?: unknown };
          if (typeof body.username !== 'string' || typeof body.role !== 'string' || !(ROLES as readonly string[]).includes(body.role)) {
            return send(400, { error: 'expected {"username": "...", "role": "guardian|child|staff|admin"}' });
          }
          send(200, { access_token: mint({ username: body.username, role: body.role as Role }), token_type: 'Bearer', expires_in: ACCESS_TOKEN_SECONDS });
        } catch {
          send(400, { error: 'body is not JSON' });
        }
      });
      return;
    }
    send(404, { error: 'not found' });
  }

  const pools = { staff: signers.staff.pool, family: signers.family.pool };
  return {
    base,
    pools,
    settings: (Object.keys(POOLS) as Pool[]).map((pool) => ({
      issuer: pools[pool].issuer,
      jwksUri: pools[pool].jwksUri,
      clientIds: [pools[pool].clientId],
      roles: [...POOLS[pool]],
    })),
    mint,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
