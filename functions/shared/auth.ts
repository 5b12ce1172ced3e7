/**
 * Bearer-token authentication with aws-jwt-verify: signature (JWKS), issuer, expiry, token use
 * and client id are all checked. In AWS the issuer is the Cognito user pool; locally it is the
 * local token issuer. There is no bypass: the same verification runs in both.
 */
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { Fetcher } from 'aws-jwt-verify/https';
import { ForbiddenError, UnauthorizedError } from './errors';

export const ROLES = ['guardian', 'child', 'staff', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The caller. `userId` is the Cognito username, which is the id of the caller's record:
 * a guardian id, a child id, a staff id, or an admin's own id.
 */
export interface Principal {
  userId: string;
  role: Role;
}

/** aws-jwt-verify's own fetcher speaks only HTTPS; the platform fetch also serves the local issuer. */
const platformFetcher: Fetcher = {
  async fetch(uri: string) {
    const res = await fetch(uri, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`JWKS fetch failed with ${res.status}`);
    return res.arrayBuffer();
  },
};

export interface VerifierSettings {
  issuer: string;
  jwksUri: string;
  clientIds: readonly string[];
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Principal>;

export function createTokenVerifier(settings: VerifierSettings): TokenVerifier {
  const verifier = JwtRsaVerifier.create(
    {
      issuer: settings.issuer,
      jwksUri: settings.jwksUri,
      audience: null,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== 'access') throw new Error('not an access token');
        if (typeof payload.client_id !== 'string' || !settings.clientIds.includes(payload.client_id)) {
          throw new Error('unknown client');
        }
      },
    },
    { jwksCache: new SimpleJwksCache({ fetcher: platformFetcher }) },
  );

  return async (authorization) => {
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization ?? '');
    if (!match?.[1]) throw new UnauthorizedError();
    let payload: Record<string, unknown>;
    try {
      payload = (await verifier.verify(match[1])) as Record<string, unknown>;
    } catch {
      throw new UnauthorizedError('The token is invalid or has expired');
    }
    const username = payload.username;
    if (typeof username !== 'string' || username.length === 0) throw new UnauthorizedError('The token names no user');
    const groups = Array.isArray(payload['cognito:groups']) ? (payload['cognito:groups'] as unknown[]) : [];
    const roles = ROLES.filter((r) => groups.includes(r));
    if (roles.length !== 1 || !roles[0]) {
      throw new ForbiddenError('role_required', 'The user must belong to exactly one role group');
    }
    return { userId: username, role: roles[0] };
  };
}
