/**
 * What a route accepts: the roles that may call it and the zod schemas of its path, query and
 * body. Kept apart from the handlers (which read their configuration when loaded), so the OpenAPI
 * document is generated from the very schemas the handlers validate with.
 */
import type * as z from 'zod';
import type { Role } from './auth';

export interface EndpointSpec<P, Q, B> {
  roles: readonly Role[];
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** 200 unless said otherwise (201 for creation). */
  status?: number;
  /**
   * A creating POST that takes an `Idempotency-Key` header: the operation's name, stored with the
   * key so that a key is never replayed on another route.
   */
  idempotent?: string;
}

/** Keeps a spec's schema types when it is declared apart from its handler. */
export function defineSpec<P = undefined, Q = undefined, B = undefined>(spec: EndpointSpec<P, Q, B>): EndpointSpec<P, Q, B> {
  return spec;
}
