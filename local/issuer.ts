/**
 * A local token issuer standing in for the two Cognito user pools: RS256 access tokens with
 * Cognito's claims (`iss`, `sub`, `username`, `client_id`, `token_use`, `cognito:groups`), and the
 * JWKS the API verifies them with. Each pool has its own issuer URL (`<base>/staff`,
 * `<base>/family`), signing key and app client, as in AWS. Tokens are signed with node:crypto;
 * verification on the API side is aws-jwt-verify, exactly as in AWS.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { POOLS, ROLES, poolOfRole, type IssuerSettings, type Pool, type Role } from '../functions/shared/auth';

/** The app client of each pool, as the staff tablets and the parents' app are in AWS. */
export const LOCAL_CLIENT_IDS: Record<Pool, string> = {
  staff: 'local-staff-tablet',
  family: 'local-parents-app',
};

export interface TokenClaims {
  username: string;
  role: Role | Role[];
  /** Seconds; negative for an already expired token. */
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

function loadOrCreateKey(keyFile?: string): KeyObject {
  if (keyFile && existsSync(keyFile)) return createPrivateKey(readFileSync(keyFile));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (keyFile) {
    mkdirSync(path.dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
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

export async function startLocalIssuer(options: IssuerOptions): Promise<LocalIssuer> {
  const base = `http://127.0.0.1:${options.port}`;
  const signer = (pool: Pool) => {
    const privateKey = loadOrCreateKey(keyFileOf(options.keyFile, pool));
    const jwk = { ...createPublicKey(privateKey).export({ format: 'jwk' }), kid: `local-${pool}-1`, alg: 'RS256', use: 'sig' };
    const issuer = `${base}/${pool}`;
    const local: LocalPool = { issuer, jwksUri: `${issuer}/.well-known/jwks.json`, clientId: LOCAL_CLIENT_IDS[pool] };
    return { privateKey, jwk, pool: local };
  };
  const signers = { staff: signer('staff'), family: signer('family') } satisfies Record<Pool, unknown>;

  const mint = (claims: TokenClaims): string => {
    const now = Math.floor(Date.now() / 1000);
    const roles = Array.isArray(claims.role) ? claims.role : [claims.role];
    const by = signers[claims.pool ?? poolOfRole(roles[0] ?? 'guardian')];
    return signJwt(
      {
        iss: by.pool.issuer,
        sub: randomUUID(),
        username: claims.username,
        client_id: claims.clientId ?? by.pool.clientId,
        token_use: claims.tokenUse ?? 'access',
        'cognito:groups': roles,
        scope: 'aws.cognito.signin.user.admin',
        auth_time: now,
        iat: now,
        ...(claims.withoutExpiry ? {} : { exp: now + (claims.expiresIn ?? 3600) }),
        jti: randomUUID(),
      },
      by.privateKey,
      by.jwk.kid,
    );
  };

  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', base);
    const jwks = /^\/(staff|family)\/\.well-known\/jwks\.json$/.exec(url.pathname)?.[1] as Pool | undefined;
    if (req.method === 'GET' && jwks) return send(200, { keys: [signers[jwks].jwk] });
    const known = /^\/token\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && known?.[1]) {
      const username = decodeURIComponent(known[1]);
      const role = options.users?.[username];
      if (!role) return send(404, { error: `unknown demo user ${username}`, users: Object.keys(options.users ?? {}) });
      return send(200, { access_token: mint({ username, role }), token_type: 'Bearer', expires_in: 3600 });
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
          send(200, { access_token: mint({ username: body.username, role: body.role as Role }), token_type: 'Bearer', expires_in: 3600 });
        } catch {
          send(400, { error: 'body is not JSON' });
        }
      });
      return;
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));

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
