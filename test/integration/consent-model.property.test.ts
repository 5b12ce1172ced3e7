/**
 * A model-based property test of the consent gate on the real engines (issue 13), with
 * fast-check commands: random interleavings of decisions by random actors (guardians with and
 * without authority, the child's own account, paper forms), fact changes (authority, links, the
 * safeguarding flag, an enrolment end, a group move), clock moves across birthdays and retention
 * ends, and uses (uploads, completions, feeds and libraries, downloads, publications), some of
 * them at the same moment as a withdrawal or a fact change.
 *
 * The oracle (test/oracle/spec-oracle.ts) is written from the specification and imports nothing
 * of the rules module. It is told what the system recorded (decisions with their instants, the
 * instant of each fact change the test made) and says, for every use the system committed, that
 * consent held at its commit instant, for every refusal that the use was not allowed, for every
 * listing exactly which items it must show, and for random past instants what `?at=` must answer.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as oracle from '../oracle/spec-oracle';
import { DEFAULT_CONFIG_FILE, readOrganisationConfig } from '../../infra/config';
import { NOTICE, putToUrl, startTestBackend, uid, type TestBackend } from './support';

const JPEG = readFileSync(path.join(__dirname, '..', 'fixtures', 'no-exif.jpg'));
const DAY = 86_400_000;
const POLICY: oracle.Policy = 'youth-care';
/** The backend runs the demo organisation's settings, so the oracle is told its retention: coaching video one year, the rest three. */
const ORGANISATION = readOrganisationConfig(path.join(__dirname, '..', '..', DEFAULT_CONFIG_FILE));
const RETENTION: oracle.Retention = ORGANISATION.retentionYears;
const PURPOSES = oracle.ALL_PURPOSES;

let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend({ organisation: ORGANISATION });
});
afterAll(async () => {
  await b.stop();
});

// ---- the model and the system under test ----

interface ModelItem {
  mediaId: string;
  groupId: string;
  item: oracle.OracleItem;
  upload?: { url: string; headers: Record<string, string> };
}

interface Model {
  children: oracle.OracleChild[];
  /** Every guardian id that may act for a child: linked at the start or later, or never. */
  guardians: Map<string, string[]>;
  items: ModelItem[];
  groups: [string, string];
  staffId: string;
  /** Instants at which `?at=` is asked: just before and after everything that was recorded. */
  instants: number[];
}

interface Real {
  clock: { t: number };
  admin: string;
}

const token = (username: string, role: 'guardian' | 'child' | 'staff' | 'admin') => b.token(username, role);
const childOf = (m: Model, i: number) => m.children[i % m.children.length]!;
const itemOf = (m: Model, i: number) => (m.items.length ? m.items[i % m.items.length] : undefined);
const mapOf = (m: Model) => new Map(m.children.map((c) => [c.childId, c]));

/** The system's clock: a counter the backend reads (each read one millisecond later), moved by the test. */
function installClock(clock: { t: number }) {
  b.runtime().now = () => new Date(++clock.t);
}

/** The instant of the last change the admin made to a child's facts, as its history records it. */
async function lastChange(childId: string, admin: string): Promise<number> {
  const child = await b.call('GET', `/children/${childId}`, { token: admin });
  const h = child.body.history as { guardians: { from: string; to?: string }[]; safeguarding: { from: string; to?: string }[]; groups: { from: string; to?: string }[]; enrolment: { from: string; endRecordedAt?: string } };
  const instants = [...h.guardians, ...h.safeguarding, ...h.groups].flatMap((p) => [p.from, ...(p.to ? [p.to] : [])]);
  return Math.max(...[...instants, h.enrolment.from, ...(h.enrolment.endRecordedAt ? [h.enrolment.endRecordedAt] : [])].map((i) => Date.parse(i)));
}

function note(m: Model, ...instants: number[]) {
  for (const t of instants) m.instants.push(t - 1, t, t + 1);
}

/** Who may act for a child in a decision: its guardians (linked or not), its own account, or staff entering a form. */
type Decider = { kind: 'guardian'; index: number } | { kind: 'child' } | { kind: 'paper'; signer: 'guardian' | 'child'; index: number };

// ---- commands ----

class Decide implements fc.AsyncCommand<Model, Real> {
  constructor(readonly childIndex: number, readonly decider: Decider, readonly purpose: oracle.Purpose, readonly decision: 'granted' | 'withdrawn') {}
  check = () => true;
  async run(m: Model, r: Real) {
    const child = childOf(m, this.childIndex);
    const guardians = m.guardians.get(child.childId)!;
    const gid = 'index' in this.decider ? guardians[this.decider.index % guardians.length]! : '';
    const actor: oracle.Actor = this.decider.kind === 'child' || (this.decider.kind === 'paper' && this.decider.signer === 'child') ? { kind: 'child' } : { kind: 'guardian', guardianId: gid };
    const expected = oracle.mayDecide(child, actor, r.clock.t + 1, POLICY);
    const body = { purpose: this.purpose, decision: this.decision, noticeVersion: NOTICE };
    const res =
      this.decider.kind === 'paper'
        ? await b.call('POST', `/children/${child.childId}/paper-decisions`, {
            token: token(m.staffId, 'staff'),
            body: { ...body, signer: actor.kind === 'child' ? { kind: 'child' } : { kind: 'guardian', guardianId: gid }, formReference: 'F', signedOn: child.birthDate },
          })
        : await b.call('POST', `/children/${child.childId}/decisions`, { token: token(actor.kind === 'child' ? child.childId : gid, actor.kind === 'child' ? 'child' : 'guardian'), body });
    if (expected === 'yes') {
      expect(res.status).toBe(201);
      const at = Date.parse(res.body.event.at);
      child.ledger.push({ eventId: res.body.event.eventId, at, purpose: this.purpose, decision: this.decision, actor });
      note(m, at);
      // The answer's consents are those of the moment it was recorded.
      for (const p of PURPOSES) expect([p, res.body.consents.purposes[p].effective]).toEqual([p, oracle.effective(child, p, at, POLICY)]);
      if (this.decision === 'withdrawn') await b.settled();
    } else {
      const codes = this.decider.kind === 'paper'
        ? { not_linked: 'signer_not_linked', no_authority: 'signer_without_authority', too_young: 'signer_too_young' }
        : { not_linked: 'child_not_found', no_authority: 'no_parental_authority', too_young: 'too_young_to_decide' };
      expect([res.status, res.body.code]).toEqual([this.decider.kind === 'paper' ? 409 : expected === 'not_linked' ? 404 : 403, codes[expected]]);
    }
  }
  toString = () => `Decide(${this.childIndex}, ${JSON.stringify(this.decider)}, ${this.purpose}, ${this.decision})`;
}

type Fact = { kind: 'link'; index: number; authority: boolean } | { kind: 'unlink'; index: number } | { kind: 'safeguarding'; on: boolean } | { kind: 'end'; days: number } | { kind: 'move' };

async function changeFact(m: Model, r: Real, child: oracle.OracleChild, fact: Fact): Promise<void> {
  const guardians = m.guardians.get(child.childId)!;
  const before = r.clock.t;
  let res: { status: number; body: any };
  let change: oracle.FactChange | undefined;
  switch (fact.kind) {
    case 'link': {
      const guardianId = guardians[fact.index % guardians.length]!;
      res = await b.call('PUT', `/children/${child.childId}/guardians/${guardianId}`, { token: r.admin, body: { parentalAuthority: fact.authority } });
      expect(res.status).toBe(200);
      change = { at: 0, kind: 'link', guardianId, authority: fact.authority };
      break;
    }
    case 'unlink': {
      const guardianId = guardians[fact.index % guardians.length]!;
      const linked = oracle.factsAt(child, before).guardians.has(guardianId);
      res = await b.call('DELETE', `/children/${child.childId}/guardians/${guardianId}`, { token: r.admin });
      expect(res.status).toBe(linked ? 204 : 404);
      if (linked) change = { at: 0, kind: 'unlink', guardianId };
      break;
    }
    case 'safeguarding':
      res = await b.call('PATCH', `/children/${child.childId}`, { token: r.admin, body: { safeguarding: fact.on } });
      expect(res.status).toBe(200);
      change = { at: 0, kind: 'safeguarding', on: fact.on };
      break;
    case 'end': {
      const endDate = oracle.amsterdamDay(before + fact.days * DAY);
      res = await b.call('POST', `/children/${child.childId}/end`, { token: r.admin, body: { endDate } });
      expect(res.status).toBe(endDate < child.birthDate ? 400 : 200);
      if (res.status === 200) change = { at: 0, kind: 'end', endDate };
      break;
    }
    case 'move': {
      const current = oracle.factsAt(child, before).groups;
      const groupIds = current.includes(m.groups[0]) ? [m.groups[1]] : [m.groups[0]];
      res = await b.call('PATCH', `/children/${child.childId}`, { token: r.admin, body: { groupIds } });
      expect(res.status).toBe(200);
      change = { at: 0, kind: 'groups', groupIds };
      break;
    }
  }
  if (change) {
    // A change that changed nothing (the same authority, the flag as it was, a later end) adds no instant: harmless.
    const at = Math.max(before + 1, await lastChange(child.childId, r.admin));
    child.facts.push({ ...change, at });
    note(m, at);
  }
}

class ChangeFact implements fc.AsyncCommand<Model, Real> {
  constructor(readonly childIndex: number, readonly fact: Fact) {}
  check = () => true;
  run = (m: Model, r: Real) => changeFact(m, r, childOf(m, this.childIndex), this.fact);
  toString = () => `ChangeFact(${this.childIndex}, ${JSON.stringify(this.fact)})`;
}

class MoveClock implements fc.AsyncCommand<Model, Real> {
  constructor(readonly to: { kind: 'ms'; ms: number } | { kind: 'birthday'; childIndex: number } | { kind: 'retention'; itemIndex: number }) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const next = (target: number) => Math.max(r.clock.t + 1, target);
    if (this.to.kind === 'ms') r.clock.t += this.to.ms;
    else if (this.to.kind === 'birthday') {
      // The next Amsterdam midnight on which the child is a year older, and a second past it.
      const child = childOf(m, this.to.childIndex);
      const age = oracle.ageAt(child, r.clock.t);
      let day = oracle.amsterdamDay(r.clock.t);
      for (let i = 0; i < 400 && oracle.ageOnDay(child.birthDate, day) === age; i++) day = oracle.amsterdamDay(oracle.midnight(day) + 30 * 3_600_000);
      r.clock.t = next(oracle.midnight(day) + 1000);
    } else {
      const it = itemOf(m, this.to.itemIndex);
      if (it) r.clock.t = next(oracle.midnight(oracle.plusYears(oracle.amsterdamDay(it.item.recordedAt), 3)) + 1000);
    }
    note(m, r.clock.t);
  }
  toString = () => `MoveClock(${JSON.stringify(this.to)})`;
}

async function upload(m: Model, r: Real, spec: { childIndexes: number[]; purposes: oracle.Purpose[]; daysAgo: number; groupIndex: number }) {
  const childIds = [...new Set(spec.childIndexes.map((i) => childOf(m, i).childId))];
  const groupId = m.groups[spec.groupIndex % 2]!;
  const recordedAt = r.clock.t - spec.daysAgo * DAY;
  const res = await b.call('POST', '/media', {
    token: token(m.staffId, 'staff'),
    body: { clientReference: uid('c'), kind: 'photo', contentType: 'image/jpeg', size: JPEG.length, recordedAt: new Date(recordedAt).toISOString(), groupId, childIds, purposes: spec.purposes },
  });
  return { res, childIds, groupId, recordedAt };
}

class Upload implements fc.AsyncCommand<Model, Real> {
  constructor(readonly spec: { childIndexes: number[]; purposes: oracle.Purpose[]; daysAgo: number; groupIndex: number; complete: boolean }) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const at = r.clock.t + 1;
    const { res, childIds, groupId, recordedAt } = await upload(m, r, this.spec);
    const allowed = oracle.uploadAllowed({ recordedAt, groupId, purposes: this.spec.purposes, childIds }, mapOf(m), at, POLICY, RETENTION);
    expect([res.status, res.body.code]).toEqual(allowed ? [201, undefined] : [expect.any(Number), expect.any(String)]);
    if (res.status !== 201) {
      expect([400, 409]).toContain(res.status);
      return;
    }
    expect(await putToUrl(res.body.upload, JPEG)).toBe(200);
    const createdAt = Date.parse(res.body.item.createdAt);
    const it: ModelItem = { mediaId: res.body.item.mediaId, groupId, item: { recordedAt: Date.parse(res.body.item.recordedAt), createdAt, purposes: this.spec.purposes, childIds, status: 'pending' } };
    m.items.push(it);
    if (this.spec.complete) {
      const expected = oracle.completable(it.item, mapOf(m), r.clock.t + 1, POLICY, RETENTION);
      const done = await complete(m, r, it);
      expect(done.status).toBe(expected ? 200 : 409);
      it.item.status = done.status === 200 ? 'available' : 'refused';
    }
  }
  toString = () => `Upload(${JSON.stringify(this.spec)})`;
}

async function complete(m: Model, r: Real, it: ModelItem) {
  return b.call('POST', `/media/${it.mediaId}/complete`, { token: token(m.staffId, 'staff') });
}

class Complete implements fc.AsyncCommand<Model, Real> {
  constructor(readonly itemIndex: number) {}
  check = (m: Readonly<Model>) => m.items.some((i) => i.item.status === 'pending');
  async run(m: Model, r: Real) {
    const pending = m.items.filter((i) => i.item.status === 'pending');
    const it = pending[this.itemIndex % pending.length]!;
    const expected = oracle.completable(it.item, mapOf(m), r.clock.t + 1, POLICY, RETENTION);
    const res = await complete(m, r, it);
    expect(res.status).toBe(expected ? 200 : 409);
    it.item.status = res.status === 200 ? 'available' : 'refused';
  }
  toString = () => `Complete(${this.itemIndex})`;
}

/** The groups whose parent-information footage a guardian sees at `t`: those of its linked children still enrolled. */
function familyGroups(m: Model, guardianId: string, t: number): Set<string> {
  return new Set(
    m.children.flatMap((c) => {
      const facts = oracle.factsAt(c, t);
      return facts.guardians.has(guardianId) && facts.enrolled ? facts.groups : [];
    }),
  );
}

class Listing implements fc.AsyncCommand<Model, Real> {
  constructor(readonly viewer: { kind: 'guardian'; childIndex: number; index: number } | { kind: 'child'; childIndex: number } | { kind: 'staff' }) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const t = r.clock.t + 1;
    const children = mapOf(m);
    let res: { status: number; body: any };
    let expected: string[];
    if (this.viewer.kind === 'staff') {
      res = await b.call('GET', '/coaching?limit=100', { token: token(m.staffId, 'staff') });
      expected = m.items.filter((i) => oracle.usable(i.item, 'coaching_video', children, t, POLICY, RETENTION)).map((i) => i.mediaId);
    } else if (this.viewer.kind === 'child') {
      const child = childOf(m, this.viewer.childIndex);
      res = await b.call('GET', '/me/feed?limit=100', { token: token(child.childId, 'child') });
      if (oracle.ageAt(child, t) < 16) {
        expect([res.status, res.body.code]).toEqual([403, 'feed_from_16']);
        return;
      }
      const facts = oracle.factsAt(child, t);
      const groups = new Set(facts.enrolled ? facts.groups : []);
      expected = m.items.filter((i) => groups.has(i.groupId) && oracle.usable(i.item, 'parent_information', children, t, POLICY, RETENTION)).map((i) => i.mediaId);
    } else {
      const child = childOf(m, this.viewer.childIndex);
      const guardians = m.guardians.get(child.childId)!;
      const guardianId = guardians[this.viewer.index % guardians.length]!;
      res = await b.call('GET', '/me/feed?limit=100', { token: token(guardianId, 'guardian') });
      const groups = familyGroups(m, guardianId, t);
      expected = m.items.filter((i) => groups.has(i.groupId) && oracle.usable(i.item, 'parent_information', children, t, POLICY, RETENTION)).map((i) => i.mediaId);
    }
    expect(res.status).toBe(200);
    const listed = (res.body.items as { mediaId: string }[]).map((i) => i.mediaId).filter((id) => m.items.some((i) => i.mediaId === id));
    expect(listed.sort()).toEqual(expected.sort());
  }
  toString = () => `Listing(${JSON.stringify(this.viewer)})`;
}

class Download implements fc.AsyncCommand<Model, Real> {
  constructor(readonly itemIndex: number, readonly viewer: { kind: 'guardian'; childIndex: number; index: number } | { kind: 'staff' } | { kind: 'admin' }) {}
  check = (m: Readonly<Model>) => m.items.length > 0;
  async run(m: Model, r: Real) {
    const it = itemOf(m, this.itemIndex)!;
    const t = r.clock.t + 1;
    const children = mapOf(m);
    let tokenOf: string;
    let allowed: boolean;
    if (this.viewer.kind === 'admin') {
      tokenOf = r.admin;
      allowed = PURPOSES.some((p) => oracle.usable(it.item, p, children, t, POLICY, RETENTION));
    } else if (this.viewer.kind === 'staff') {
      tokenOf = token(m.staffId, 'staff');
      allowed = oracle.usable(it.item, 'coaching_video', children, t, POLICY, RETENTION);
    } else {
      const child = childOf(m, this.viewer.childIndex);
      const guardians = m.guardians.get(child.childId)!;
      const guardianId = guardians[this.viewer.index % guardians.length]!;
      tokenOf = token(guardianId, 'guardian');
      allowed = familyGroups(m, guardianId, t).has(it.groupId) && oracle.usable(it.item, 'parent_information', children, t, POLICY, RETENTION);
    }
    const res = await b.call('GET', `/media/${it.mediaId}/download`, { token: tokenOf });
    expect(res.status === 200).toBe(allowed);
  }
  toString = () => `Download(${this.itemIndex}, ${JSON.stringify(this.viewer)})`;
}

class Publish implements fc.AsyncCommand<Model, Real> {
  constructor(readonly itemIndex: number) {}
  check = (m: Readonly<Model>) => m.items.length > 0;
  async run(m: Model, r: Real) {
    const it = itemOf(m, this.itemIndex)!;
    const allowed = oracle.publishable(it.item, mapOf(m), r.clock.t + 1, POLICY, RETENTION);
    const res = await b.call('POST', `/media/${it.mediaId}/publications`, { token: r.admin, body: { channel: 'website', reference: 'https://example.org/x' } });
    expect(res.status === 201).toBe(allowed);
    if (res.status !== 201) expect([404, 409]).toContain(res.status);
  }
  toString = () => `Publish(${this.itemIndex})`;
}

class AskAt implements fc.AsyncCommand<Model, Real> {
  constructor(readonly childIndex: number, readonly instantIndex: number) {}
  check = (m: Readonly<Model>) => m.instants.length > 0;
  async run(m: Model, r: Real) {
    const child = childOf(m, this.childIndex);
    const t = Math.min(m.instants[this.instantIndex % m.instants.length]!, r.clock.t);
    const res = await b.call('GET', `/children/${child.childId}/consents?at=${encodeURIComponent(new Date(t).toISOString())}`, { token: r.admin });
    expect(res.status).toBe(200);
    for (const p of PURPOSES) expect([new Date(t).toISOString(), p, res.body.consents.purposes[p].effective]).toEqual([new Date(t).toISOString(), p, oracle.effective(child, p, t, POLICY)]);
  }
  toString = () => `AskAt(${this.childIndex}, ${this.instantIndex})`;
}

/**
 * A lasting use and a withdrawal (or the safeguarding flag) at the same moment. Whatever the order
 * the system chose, a committed use held at its commit instant with everything recorded before
 * it, and a refused one was not allowed once both were done.
 */
class Race implements fc.AsyncCommand<Model, Real> {
  constructor(readonly use: 'publish' | 'upload' | 'complete', readonly against: 'withdrawal' | 'safeguarding', readonly childIndex: number, readonly itemIndex: number, readonly guardianIndex: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const now = r.clock.t + 1;
    const purpose: oracle.Purpose = this.use === 'publish' ? 'publication' : 'parent_information';
    // The use is of an item that is usable now (or pending), of a child it depicts; the withdrawal is by someone who counts.
    const candidates = this.use === 'complete'
      ? m.items.filter((i) => i.item.status === 'pending' && i.item.childIds.length > 0)
      : m.items.filter((i) => i.item.childIds.length > 0 && oracle.publishable(i.item, mapOf(m), now, POLICY, RETENTION));
    const it = candidates.length ? candidates[this.itemIndex % candidates.length] : undefined;
    if (this.use !== 'upload' && !it) return;
    const child = it ? m.children.find((c) => c.childId === it.item.childIds[this.childIndex % it.item.childIds.length])! : childOf(m, this.childIndex);
    const guardians = m.guardians.get(child.childId)!;
    const actors: oracle.Actor[] = [{ kind: 'child' }, ...guardians.map((guardianId) => ({ kind: 'guardian' as const, guardianId }))];
    const counting = actors.filter((a) => oracle.counts(child, a, now, POLICY));
    const actor = counting.length ? counting[this.guardianIndex % counting.length]! : actors[this.guardianIndex % actors.length]!;

    const against = async () => {
      if (this.against === 'safeguarding') return changeFact(m, r, child, { kind: 'safeguarding', on: true });
      const expected = oracle.mayDecide(child, actor, r.clock.t + 1, POLICY);
      const who = actor.kind === 'child' ? token(child.childId, 'child') : token(actor.guardianId, 'guardian');
      const res = await b.call('POST', `/children/${child.childId}/decisions`, { token: who, body: { purpose, decision: 'withdrawn', noticeVersion: NOTICE } });
      if (expected !== 'yes') return;
      expect(res.status).toBe(201);
      const at = Date.parse(res.body.event.at);
      child.ledger.push({ eventId: res.body.event.eventId, at, purpose, decision: 'withdrawn', actor });
      note(m, at);
    };
    const children = () => mapOf(m);
    if (this.use === 'publish') {
      const [res] = await Promise.all([b.call('POST', `/media/${it!.mediaId}/publications`, { token: r.admin, body: { channel: 'website', reference: 'https://example.org/r' } }), against()]);
      await b.settled();
      if (res.status === 201) expect(oracle.publishable(it!.item, children(), Date.parse(res.body.publishedAt), POLICY, RETENTION)).toBe(true);
      else expect(res.body.code === 'concurrent_update' || !oracle.publishable(it!.item, children(), r.clock.t + 1, POLICY, RETENTION)).toBe(true);
    } else if (this.use === 'upload') {
      const spec = { childIndexes: [m.children.indexOf(child)], purposes: [purpose], daysAgo: 0, groupIndex: 0, complete: false };
      const [{ res, childIds, groupId, recordedAt }] = await Promise.all([upload(m, r, spec), against()]);
      await b.settled();
      const asked = { recordedAt, groupId, purposes: [purpose], childIds };
      if (res.status === 201) {
        const createdAt = Date.parse(res.body.item.createdAt);
        expect(oracle.uploadAllowed(asked, children(), createdAt, POLICY, RETENTION)).toBe(true);
        expect(await putToUrl(res.body.upload, JPEG)).toBe(200);
        m.items.push({ mediaId: res.body.item.mediaId, groupId, item: { recordedAt: Date.parse(res.body.item.recordedAt), createdAt, purposes: [purpose], childIds, status: 'pending' } });
      } else expect(res.body.code === 'concurrent_update' || !oracle.uploadAllowed(asked, children(), r.clock.t + 1, POLICY, RETENTION)).toBe(true);
    } else {
      const [res] = await Promise.all([complete(m, r, it!), against()]);
      await b.settled();
      if (res.status === 200) {
        expect(oracle.completable(it!.item, children(), Date.parse(res.body.item.completedAt), POLICY, RETENTION)).toBeDefined();
        it!.item.status = 'available';
      } else {
        expect(res.body.code === 'concurrent_update' || oracle.completable(it!.item, children(), r.clock.t + 1, POLICY, RETENTION) === undefined).toBe(true);
        if (res.body.code !== 'concurrent_update') it!.item.status = 'refused';
      }
    }
  }
  toString = () => `Race(${this.use}, ${this.against}, ${this.childIndex}, ${this.itemIndex}, ${this.guardianIndex})`;
}

// ---- the arbitraries ----

const purposeArb = fc.constantFrom(...PURPOSES);
const small = fc.nat(9);
const deciderArb: fc.Arbitrary<Decider> = fc.oneof(
  { arbitrary: small.map((index) => ({ kind: 'guardian' as const, index })), weight: 6 },
  { arbitrary: fc.constant({ kind: 'child' as const }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('paper' as const), signer: fc.constantFrom('guardian' as const, 'child' as const), index: small }), weight: 1 },
);
const factArb: fc.Arbitrary<Fact> = fc.oneof(
  fc.record({ kind: fc.constant('link' as const), index: small, authority: fc.boolean() }),
  fc.record({ kind: fc.constant('unlink' as const), index: small }),
  fc.record({ kind: fc.constant('safeguarding' as const), on: fc.boolean() }),
  fc.record({ kind: fc.constant('end' as const), days: fc.integer({ min: -15, max: 20 }) }),
  fc.constant({ kind: 'move' as const }),
);
const viewerArb = fc.oneof(
  fc.record({ kind: fc.constant('guardian' as const), childIndex: small, index: small }),
  fc.record({ kind: fc.constant('child' as const), childIndex: small }),
  fc.constant({ kind: 'staff' as const }),
);

const commands = [
  { arbitrary: fc.tuple(small, deciderArb, purposeArb, fc.constantFrom('granted' as const, 'granted' as const, 'withdrawn' as const)).map(([c, d, p, x]) => new Decide(c, d, p, x)), weight: 8 },
  { arbitrary: fc.tuple(small, factArb).map(([c, f]) => new ChangeFact(c, f)), weight: 3 },
  {
    arbitrary: fc
      .oneof(
        fc.integer({ min: 60_000, max: 3 * DAY }).map((ms) => ({ kind: 'ms' as const, ms })),
        small.map((childIndex) => ({ kind: 'birthday' as const, childIndex })),
        small.map((itemIndex) => ({ kind: 'retention' as const, itemIndex })),
      )
      .map((to) => new MoveClock(to)),
    weight: 2,
  },
  {
    arbitrary: fc
      .record({
        childIndexes: fc.array(small, { maxLength: 2 }),
        purposes: fc.oneof({ arbitrary: purposeArb.map((p) => [p]), weight: 3 }, { arbitrary: fc.subarray([...PURPOSES], { minLength: 1 }), weight: 1 }),
        daysAgo: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 4 }), weight: 1 }, { arbitrary: fc.integer({ min: 0, max: 400 }), weight: 1 }),
        groupIndex: fc.oneof(fc.constant(0), fc.nat(1)),
        complete: fc.boolean(),
      })
      .map((spec) => new Upload(spec)),
    weight: 4,
  },
  { arbitrary: small.map((i) => new Complete(i)), weight: 4 },
  { arbitrary: viewerArb.map((v) => new Listing(v)), weight: 3 },
  { arbitrary: fc.tuple(small, fc.oneof(fc.record({ kind: fc.constant('guardian' as const), childIndex: small, index: small }), fc.constant({ kind: 'staff' as const }), fc.constant({ kind: 'admin' as const }))).map(([i, v]) => new Download(i, v)), weight: 2 },
  { arbitrary: small.map((i) => new Publish(i)), weight: 2 },
  { arbitrary: fc.tuple(small, fc.nat()).map(([c, i]) => new AskAt(c, i)), weight: 3 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom('publish' as const, 'upload' as const, 'complete' as const), fc.constantFrom('withdrawal' as const, 'withdrawal' as const, 'safeguarding' as const), small, small, small)
      .map(([u, a, c, i, g]) => new Race(u, a, c, i, g)),
    weight: 5,
  },
];

// ---- the organisation each run starts from ----

/** A birth date such that the child turns `years` about `days` after `t` (Amsterdam). */
const turning = (t: number, years: number, days: number) => oracle.plusYears(oracle.amsterdamDay(t + days * DAY), -years);

/** Decisions made when the organisation is set up: most children start with consent for most purposes. */
interface Start {
  secondAuthority: boolean[];
  grants: { child: number; by: 'p1' | 'p2' | 'child'; purpose: oracle.Purpose }[];
}

async function setUp(clock: { t: number }, start: Start): Promise<{ model: Model; real: Real }> {
  const { secondAuthority } = start;
  installClock(clock);
  const run = uid('model');
  const admin = token(`${run}-admin`, 'admin');
  const groups: [string, string] = [`${run}-g1`, `${run}-g2`];
  for (const groupId of groups) expect((await b.call('POST', '/groups', { token: admin, body: { groupId, name: groupId } })).status).toBe(201);
  const staffId = `${run}-staff`;
  expect((await b.call('PUT', `/staff/${staffId}`, { token: admin, body: { displayName: 'S', groupIds: groups } })).status).toBe(201);
  // Turning 12 and 16 within days of the start, and one of 6.
  const births = [turning(clock.t, 12, 3), turning(clock.t, 16, 5), turning(clock.t, 6, 100)];
  const model: Model = { children: [], guardians: new Map(), items: [], groups, staffId, instants: [] };
  for (const [i, birthDate] of births.entries()) {
    const childId = `${run}-c${i}`;
    const created = await b.call('POST', '/children', { token: admin, body: { childId, displayName: 'K', birthDate, groupIds: [groups[0]] } });
    expect(created.status).toBe(201);
    const guardianIds = [`${childId}-p1`, `${childId}-p2`, `${childId}-never`];
    for (const guardianId of guardianIds) expect((await b.call('POST', '/guardians', { token: admin, body: { guardianId, displayName: 'G' } })).status).toBe(201);
    const child: oracle.OracleChild = { childId, birthDate, createdAt: Date.parse(created.body.history.enrolment.from), initialGroups: [groups[0]], facts: [], ledger: [] };
    model.children.push(child);
    model.guardians.set(childId, guardianIds);
    await changeFact(model, { clock, admin }, child, { kind: 'link', index: 0, authority: true });
    await changeFact(model, { clock, admin }, child, { kind: 'link', index: 1, authority: secondAuthority[i] ?? true });
  }
  const real = { clock, admin };
  clock.t += 60_000;
  for (const g of start.grants) {
    const decider: Decider = g.by === 'child' ? { kind: 'child' } : { kind: 'guardian', index: g.by === 'p1' ? 0 : 1 };
    await new Decide(g.child, decider, g.purpose, 'granted').run(model, real);
  }
  clock.t += 60_000;
  return { model, real };
}

const startArb: fc.Arbitrary<Start> = fc.record({
  secondAuthority: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  // Each possible grant made with probability 0.8.
  grants: fc
    .array(fc.nat(9).map((n) => n < 8), { minLength: 27, maxLength: 27 })
    .map((made) => [0, 1, 2].flatMap((child) => (['p1', 'p2', 'child'] as const).flatMap((by) => PURPOSES.map((purpose) => ({ child, by, purpose })))).filter((_, i) => made[i])),
});

test('every use the system commits held at its commit instant, listings show exactly what may be seen, and ?at= equals the oracle', async () => {
  await fc.assert(
    fc.asyncProperty(startArb, fc.commands([fc.oneof(...commands) as fc.Arbitrary<fc.AsyncCommand<Model, Real>>], { maxCommands: 40, size: 'max' }), async (start, cmds) => {
      const clock = { t: Date.now() };
      const { model, real } = await setUp(clock, start);
      try {
        await fc.asyncModelRun(() => ({ model, real }), cmds);
      } finally {
        await b.settled();
      }
    }),
    { numRuns: 16, endOnFailure: true },
  );
  // Sixteen organisations of up to 40 commands on the real engines: about 30 s alone, more beside
  // the other test files on two cores.
}, 180_000);
