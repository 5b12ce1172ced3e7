/**
 * The audit trail's hash chain (SPEC section 7): one chain per calendar month, in the order entries
 * were linked. Each link carries its sequence number, the hash of the link before it and its own
 * hash over everything it stores, so that editing, removing or reordering a stored entry breaks
 * the chain at that entry. Pure: no I/O, no clock.
 */
import { createHash } from 'node:crypto';

/** Version of the hashing scheme, hashed into every link so that a future scheme cannot be confused with this one. */
export const CHAIN_VERSION = 1;

/** `prevHash` of the first link of every month. */
export const GENESIS_HASH = '0'.repeat(64);

/** The month chain an instant belongs to: `YYYY-MM` of the UTC instant (chains are bookkeeping, not calendar dates). */
export function chainMonth(at: string): string {
  return at.slice(0, 7);
}

/**
 * JSON with object keys sorted at every level, so that the same record always hashes the same,
 * whatever order a store or a client returns its attributes in. `undefined` values are left out,
 * as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    if (text === undefined) throw new Error('not representable as JSON');
    return text;
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What a link stores besides its own hash. Everything in it is covered by the hash. */
export interface LinkBody {
  month: string;
  seq: number;
  prevHash: string;
  [field: string]: unknown;
}

/** The hash of a link: SHA-256 over the scheme version and the canonical form of everything the link stores. */
export function linkHash(body: LinkBody): string {
  return createHash('sha256').update(canonicalJson({ chainVersion: CHAIN_VERSION, body })).digest('hex');
}

/** Builds the link that follows `previous` (or starts the month): the body with `seq`, `prevHash` and `hash`. */
export function nextLink<T extends Record<string, unknown>>(
  month: string,
  previous: { seq: number; hash: string } | undefined,
  content: T,
): T & { month: string; seq: number; prevHash: string; hash: string } {
  const body = { ...content, month, seq: (previous?.seq ?? 0) + 1, prevHash: previous?.hash ?? GENESIS_HASH };
  return { ...body, hash: linkHash(body) };
}

export type ChainProblem =
  /** A link's stored hash is not the hash of what it stores: the entry was edited. */
  | 'hash_mismatch'
  /** A link does not name the hash of the link before it: a link before it was edited, removed or replaced. */
  | 'prev_hash_mismatch'
  /** Sequence numbers are not 1, 2, 3...: a link was removed (or one was inserted). */
  | 'seq_gap'
  /** A link claims another month than its chain. */
  | 'wrong_month'
  /** The month's head (its last sequence number and hash) does not match the last link: links were removed from the end. */
  | 'head_mismatch';

export interface ChainBreak {
  month: string;
  /** The sequence number where the chain breaks (for `head_mismatch`: the head's). */
  seq: number;
  entryId?: string;
  problem: ChainProblem;
}

export interface ChainReport {
  month: string;
  /** Links checked before the first break (all of them when intact). */
  checked: number;
  ok: boolean;
  firstBreak?: ChainBreak;
}

/**
 * Checks one month's links as they are read, in sequence order, and stops at the first break.
 * `push` takes each stored link (keys removed); `finish` compares the head the store keeps.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private previousHash = GENESIS_HASH;
  private broken: ChainBreak | undefined;
  private count = 0;

  constructor(readonly month: string) {}

  /** False once the chain is broken: further links need not be read. */
  push(stored: Record<string, unknown>): boolean {
    if (this.broken) return false;
    const { hash, ...body } = stored;
    const seq = typeof body.seq === 'number' ? body.seq : Number.NaN;
    const entryId = typeof body.entryId === 'string' ? body.entryId : undefined;
    const fail = (problem: ChainProblem): boolean => {
      this.broken = { month: this.month, seq: Number.isNaN(seq) ? this.expectedSeq : seq, ...(entryId ? { entryId } : {}), problem };
      return false;
    };
    if (body.month !== this.month) return fail('wrong_month');
    if (seq !== this.expectedSeq) return fail('seq_gap');
    if (body.prevHash !== this.previousHash) return fail('prev_hash_mismatch');
    if (hash !== linkHash(body as LinkBody)) return fail('hash_mismatch');
    this.previousHash = String(hash);
    this.expectedSeq++;
    this.count++;
    return true;
  }

  /** The report; `head` is what the store says the month's last link is (absent: no head kept). */
  finish(head: { seq: number; hash: string } | undefined): ChainReport {
    if (!this.broken) {
      const lastSeq = this.expectedSeq - 1;
      const headSeq = head?.seq ?? 0;
      const headHash = head?.hash ?? GENESIS_HASH;
      if (headSeq !== lastSeq || headHash !== this.previousHash) {
        this.broken = { month: this.month, seq: headSeq, problem: 'head_mismatch' };
      }
    }
    return { month: this.month, checked: this.count, ok: !this.broken, ...(this.broken ? { firstBreak: this.broken } : {}) };
  }
}

/** Verifies a whole month at once (tests and small chains). */
export function verifyChain(month: string, links: readonly Record<string, unknown>[], head: { seq: number; hash: string } | undefined): ChainReport {
  const verifier = new ChainVerifier(month);
  for (const link of links) if (!verifier.push(link)) break;
  return verifier.finish(head);
}
