/**
 * What the gate needs about the children footage depicts, read once per request: the child items
 * (one consistent BatchGet per 100, cached across the rounds of a page), and a child's ledger only
 * when its projection does not cover an instant in the past (an upload's recording). A lasting use
 * binds itself to exactly the children read here (`binds`).
 */
import type { ConsentEvent } from '../domain/consent';
import type { Depicted } from '../domain/gate';
import type { Purpose } from '../domain/purposes';
import { bindPart, type ChildRecord } from './repositories/children';
import type { Part } from './transact';
import type { Runtime } from './runtime';

export class DepictedChildren {
  private readonly children = new Map<string, ChildRecord | undefined>();
  private readonly ledgers = new Map<string, readonly ConsentEvent[]>();

  constructor(private readonly rt: Pick<Runtime, 'children' | 'ledger' | 'rules' | 'config'>) {}

  /** Reads the children not read yet; absent ones (erased, unknown) stay absent: the gate counts them as gone. */
  async load(childIds: Iterable<string>): Promise<this> {
    const missing = [...new Set(childIds)].filter((id) => !this.children.has(id));
    if (missing.length === 0) return this;
    const found = await this.rt.children.getMany(missing);
    for (const id of missing) this.children.set(id, undefined);
    for (const c of found) this.children.set(c.childId, c);
    return this;
  }

  /** Reads the ledger up to `at` of each loaded child whose projection changed after `at` for these purposes. */
  async loadLedgersAt(at: Date, purposes: readonly Purpose[]): Promise<this> {
    for (const child of this.children.values()) {
      if (child && this.rt.rules.ledgerNeededAt(child, purposes, at)) this.ledgers.set(child.childId, await this.rt.ledger.until(child.childId, at));
    }
    return this;
  }

  /** The gate's view of the children read. */
  get depicted(): Depicted {
    return { child: (id) => this.children.get(id), ledger: (id) => this.ledgers.get(id) };
  }

  /** The bindings of a lasting use to the children it was checked against (every one must have been read). */
  binds(childIds: readonly string[]): Part[] {
    return childIds.map((id) => {
      const child = this.children.get(id);
      if (!child) throw new Error(`a use is bound to a child that was not read: ${id}`);
      return bindPart(this.rt.config.TABLE_NAME, child);
    });
  }
}
