/**
 * Bearer-token authentication with aws-jwt-verify, written once for the API Gateway authorizer
 * (functions/auth/authorizer.handler.ts) and for every HTTP handler, which verify each request
 * again: signature (JWKS), issuer, expiry, `token_use`, `client_id`, and that the token carries
 * exactly one role group, a role of its own user pool. In AWS the issuers are the two Cognito user
 * pools (staff, family); locally the local token issuer plays both. There is no bypass.
 */
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwkValidationError,
  JwksNotAvailableInCacheError,
  JwksValidationError,
  JwtBaseError,
  JwtExpiredError,
  JwtInvalidSignatureError,
  JwtParseError,
  KidNotFoundInJwksError,
  ParameterValidationError,
} from 'aws-jwt-verify/error';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import type { Fetcher } from 'aws-jwt-verify/https';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { ForbiddenError, UnauthorizedError } from './errors';

export const ROLES = ['guardian', 'child', 'staff', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * The user pools and the roles each can hold. A staff-pool token can only be staff or admin (MFA
 * required at sign-in), a family-pool token only guardian or child: a role is believed only from
 * the pool that may grant it.
 */
export const POOLS = {
  staff: ['staff', 'admin'],
  family: ['guardian', 'child'],
} as const satisfies Record<string, readonly Role[]>;
export type Pool = keyof typeof POOLS;

/** The pool a role belongs to. */
export function poolOfRole(role: Role): Pool {
  return (Object.keys(POOLS) as Pool[]).find((pool) => (POOLS[pool] as readonly Role[]).includes(role)) as Pool;
}

/**
 * The caller. `userId` is the Cognito username, which is the id of the caller's record:
 * a guardian id, a child id, a staff id, or an admin's own id.
 */
export interface Principal {
  userId: string;
  role: Role;
}

/** One trusted issuer (a user pool): where its keys are, its app clients, the roles it may grant. */
export interface IssuerSettings {
  issuer: string;
  jwksUri: string;
  clientIds: readonly string[];
  roles: readonly Role[];
}

/**
 * Why a token was not accepted. `unauthenticated`: not a valid access token of a trusted issuer
 * and client (401). `role`: a valid token, but not exactly one role group of its own pool (403).
 */
export class TokenRejected extends Error {
  constructor(
    readonly kind: 'unauthenticated' | 'role',
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'TokenRejected';
  }
}

/** aws-jwt-verify's own fetcher speaks only HTTPS; the platform fetch also serves the local issuer. */
const platformFetcher: Fetcher = {
  async fetch(uri: string) {
    let res: Response;
    try {
      res = await fetch(uri, { signal: AbortSignal.timeout(3000) });
    } catch (err) {
      throw new FetchError(uri, (err as Error).name);
    }
    if (!res.ok) throw new FetchError(uri, `status ${res.status}`);
    return res.arrayBuffer();
  },
};

/**
 * Errors that say the verifier could not do its job (the keys could not be fetched or were not
 * usable), as opposed to a token it refused. Those are failures of ours: they must not be answered
 * as if the caller's token were bad, and they must raise an alarm.
 */
function isVerifierFailure(err: unknown): boolean {
  return (
    !(err instanceof JwtBaseError) ||
    err instanceof FetchError ||
    err instanceof JwksValidationError ||
    err instanceof JwkValidationError ||
    err instanceof JwksNotAvailableInCacheError
  );
}

/**
 * Why aws-jwt-verify refused a token, as a short code for the logs: its error classes, never its
 * messages, which can quote claims of the token (and class names do not survive minification).
 */
function rejectionReason(err: unknown): string {
  if (err instanceof JwtExpiredError) return 'expired';
  if (err instanceof JwtParseError) return 'malformed';
  if (err instanceof JwtInvalidSignatureError || err instanceof KidNotFoundInJwksError) return 'signature';
  if (err instanceof CognitoJwtInvalidTokenUseError) return 'token_use';
  if (err instanceof CognitoJwtInvalidClientIdError) return 'client';
  // Among others "issuer not configured": a token of an issuer nobody trusts.
  if (err instanceof ParameterValidationError) return 'issuer';
  return 'invalid';
}

export type AccessTokenCheck = (authorization: string | undefined) => Promise<Principal>;

/**
 * Verifies an `Authorization: Bearer <access token>` header against the trusted issuers. Resolves
 * to the caller; rejects with `TokenRejected` for a token that is not accepted, and with any other
 * error when verification itself failed (JWKS unreachable).
 */
export function createAccessTokenCheck(issuers: readonly IssuerSettings[]): AccessTokenCheck {
  if (issuers.length === 0) throw new Error('at least one token issuer must be configured');
  const verifier = JwtRsaVerifier.create(
    issuers.map((settings) => ({
      issuer: settings.issuer,
      jwksUri: settings.jwksUri,
      // Cognito access tokens have no `aud`; the client is in `client_id`, checked below.
      audience: null,
      // The checks aws-jwt-verify's CognitoJwtVerifier makes (token use, client of this pool). That
      // verifier only accepts Cognito user pool ids, so the local issuer could not be verified by it.
      customJwtCheck: ({ payload }: { payload: JwtPayload }) =>
        validateCognitoJwtFields(payload, { tokenUse: 'access', clientId: [...settings.clientIds] }),
    })),
    { jwksCache: new SimpleJwksCache({ fetcher: platformFetcher }) },
  );
  const rolesOf = new Map(issuers.map((s) => [s.issuer, s.roles]));

  return async (authorization) => {
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization ?? '');
    if (!match?.[1]) throw new TokenRejected('unauthenticated', 'no bearer token');
    let payload: Record<string, unknown>;
    try {
      payload = (await verifier.verify(match[1])) as Record<string, unknown>;
    } catch (err) {
      if (isVerifierFailure(err)) throw err;
      throw new TokenRejected('unauthenticated', rejectionReason(err));
    }
    // An access token without an expiry would be valid for ever: Cognito always sets one.
    if (typeof payload.exp !== 'number') throw new TokenRejected('unauthenticated', 'no_expiry');
    const username = payload.username;
    if (typeof username !== 'string' || username.length === 0) throw new TokenRejected('unauthenticated', 'no username');
    const groups = Array.isArray(payload['cognito:groups']) ? (payload['cognito:groups'] as unknown[]) : [];
    const roles = ROLES.filter((r) => groups.includes(r));
    const [role] = roles;
    if (roles.length !== 1 || !role) throw new TokenRejected('role', `${roles.length} role groups`);
    if (!rolesOf.get(payload.iss as string)?.includes(role)) throw new TokenRejected('role', 'role of another pool');
    return { userId: username, role };
  };
}

export type TokenVerifier = (authorization: string | undefined) => Promise<Principal>;

/**
 * The handlers' verification: the same check, with rejections as API errors (401 `unauthorized`,
 * 403 `role_required`). A failure to verify at all stays an unexpected error (500).
 */
export function createTokenVerifier(issuers: readonly IssuerSettings[]): TokenVerifier {
  const check = createAccessTokenCheck(issuers);
  return async (authorization) => {
    try {
      return await check(authorization);
    } catch (err) {
      if (!(err instanceof TokenRejected)) throw err;
      if (err.kind === 'role') throw new ForbiddenError('role_required', 'The user must belong to exactly one role group of its user pool');
      if (err.reason === 'no bearer token') throw new UnauthorizedError();
      throw new UnauthorizedError('The token is invalid or has expired');
    }
  };
}
