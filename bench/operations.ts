/**
 * `npx tsx bench/operations.ts [--quick] [--items=N] [--seed=S]`: the cost of each API operation
 * on a realistic organisation, through the local HTTP backend on DynamoDB Local + s3rver. Loads 20
 * groups (one of exactly 30 children), 600 children (two guardians with authority each, ages 3 to
 * 17), a ledger of 1 to 3 decisions per child and purpose, staff per group and N media items over
 * three years, all from a seeded PRNG. Per operation: DynamoDB requests and consumed RCU/WCU per
 * call (counted at the functions' DynamoDB client for the request's own invocation, median), median and p95 latency, and the
 * ratio of the median to one GetItem round trip measured in the same run. No assertions.
 * `--quick`: 3 groups, 40 children, one decision per child and purpose, 2 000 items and a twentieth
 * of the calls, for CI and a first look (the same operations, not the same figures). Progress goes
 * to stderr.
 */
import './quiet';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BatchWriteCommand, GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { InvokeStoreBase } from '@aws/lambda-invoke-store';
import { createChild, linkGuardian } from '../functions/admin/service';
import { addYears, amsterdamDate } from '../functions/domain/calendar';
import { PURPOSES, type Purpose } from '../functions/domain/purposes';
import { DEFAULT_RETENTION, deletionDates, dueDate } from '../functions/domain/retention';
import type { Principal, Role } from '../functions/shared/auth';
import { documentClient } from '../functions/shared/dynamo';
import { keys } from '../functions/shared/keys';
import { runtimeConfig } from '../functions/shared/config';
import { createRuntime, type Runtime } from '../functions/shared/runtime';
import { startBackend, type LocalBackend } from '../local/backend';
import { startDynamoDbLocal, startS3rver } from '../local/engines';
import { benchArgsOrExit } from './args';
import { progress, step } from './progress';

const args = benchArgsOrExit(['items', 'seed']);
const QUICK = args.quick;
/** 50 000 items load in about 72 s here (BatchWrite, 8 in parallel), within two minutes: the default. */
const DEFAULT_ITEMS = QUICK ? 2_000 : 50_000;
const ITEMS = args.number('items', DEFAULT_ITEMS);
const SEED = args.number('seed', 20261124);
const GROUPS = QUICK ? 3 : 20;
const CHILDREN = QUICK ? 40 : 600;
/** How many calls measure an operation: `full` of them, a twentieth (at least 3) with --quick. */
const sample = (full: number) => (QUICK ? Math.max(3, Math.round(full / 20)) : full);
const ROSTER_GROUP_SIZE = 30;
const NOTICE = '2026-09';
const TABLE = 'bench-operations';
const BUCKET = 'bench-operations';
const BENCH_ADMIN: Principal = { userId: 'admin-bench', role: 'admin' };
const JPEG = readFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'no-exif.jpg'));

/** mulberry32: a tiny seeded PRNG, so every run loads the same organisation. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(SEED);
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const pad = (i: number, n = 4) => String(i).padStart(n, '0');

interface Child {
  childId: string;
  groupId: string;
  age: number;
  guardians: [string, string];
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

// ---- counting at the client: every command asks for its consumed capacity ----
//
// Counted per invocation: the local adapter runs each request in an invocation of its own (the
// Lambda InvokeStore, local/invocation.ts) under the request id it answers with (apigw-requestid).
// What the stream functions do after a request (withdrawal propagation, the audit chainer: in AWS
// functions of their own) runs under other ids, on the same DynamoDB client, and is not counted.

interface Tally {
  requests: number;
  rcu: number;
  wcu: number;
}
let counting = false;
const tallies = new Map<string, Tally>();

/** The request id of the invocation a command runs in, if any. */
function invocationId(): string | undefined {
  const runtime: { awslambda?: { InvokeStore?: InvokeStoreBase | undefined } } = globalThis;
  const store = runtime.awslambda?.InvokeStore;
  return store?.hasContext() ? store.getRequestId() : undefined;
}
const READS = new Set(['GetCommand', 'BatchGetCommand', 'QueryCommand', 'ScanCommand', 'TransactGetCommand', 'GetItemCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);

function installCounter(db: DynamoDBDocumentClient): void {
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const id = counting ? invocationId() : undefined;
      let current = id === undefined ? undefined : tallies.get(id);
      if (id !== undefined && !current) tallies.set(id, (current = { requests: 0, rcu: 0, wcu: 0 }));
      if (current) current.requests++;
      const result = await next(args);
      if (current) {
        const consumed = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity;
        const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as {
          CapacityUnits?: number;
          ReadCapacityUnits?: number;
          WriteCapacityUnits?: number;
        }[];
        const isRead = READS.has(String(context.commandName));
        for (const c of list) {
          if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
            current.rcu += c.ReadCapacityUnits ?? 0;
            current.wcu += c.WriteCapacityUnits ?? 0;
          } else if (isRead) current.rcu += c.CapacityUnits ?? 0;
          else current.wcu += c.CapacityUnits ?? 0;
        }
      }
      return result;
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
}

// ---- statistics ----

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  if (q === 0.5) {
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  }
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

interface Row {
  operation: string;
  calls: number;
  requests: number;
  rcu: number;
  wcu: number;
  median: number;
  p95: number;
}

// ---- the HTTP client ----

let backend: LocalBackend;
const tokens = new Map<string, string>();
function token(username: string, role: Role): string {
  const k = `${role}:${username}`;
  let t = tokens.get(k);
  if (!t) {
    t = backend.issuer.mint({ username, role, expiresIn: 6 * 3600 });
    tokens.set(k, t);
  }
  return t;
}

async function call(method: string, urlPath: string, auth: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown>; requestId: string | null }> {
  const res = await fetch(`${backend.url}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${auth}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, requestId: res.headers.get('apigw-requestid') };
}

/**
 * Measures `calls` sequential calls: `prepare(i)` runs unmeasured (and uncounted), then `run(i)`
 * is timed and its DynamoDB requests counted. A call must answer `expect`.
 */
async function measure<P>(
  operation: string,
  calls: number,
  expect: number,
  prepare: (i: number) => Promise<P>,
  run: (p: P, i: number) => Promise<{ status: number; body: unknown; requestId: string | null }>,
): Promise<Row> {
  const ms: number[] = [];
  const requests: number[] = [];
  const rcu: number[] = [];
  const wcu: number[] = [];
  const shown = progress(`measuring ${operation}`, { total: calls });
  try {
    for (let i = 0; i < calls; i++) {
      const p = await prepare(i);
      await backend.settled();
      tallies.clear();
      counting = true;
      const started = process.hrtime.bigint();
      const res = await run(p, i);
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      await backend.settled();
      counting = false;
      if (res.status !== expect) throw new Error(`${operation}: call ${i} answered ${res.status}: ${JSON.stringify(res.body)}`);
      if (!res.requestId) throw new Error(`${operation}: the local API answered without a request id (apigw-requestid), so its DynamoDB requests cannot be counted`);
      const t = tallies.get(res.requestId) ?? { requests: 0, rcu: 0, wcu: 0 };
      ms.push(elapsed);
      requests.push(t.requests);
      rcu.push(t.rcu);
      wcu.push(t.wcu);
      shown.add();
    }
  } catch (err) {
    shown.failed();
    throw err;
  }
  shown.done();
  return {
    operation: `${operation} (n=${calls})`,
    calls,
    requests: quantile(requests, 0.5),
    rcu: quantile(rcu, 0.5),
    wcu: quantile(wcu, 0.5),
    median: quantile(ms, 0.5),
    p95: quantile(ms, 0.95),
  };
}

// ---- loading the organisation ----

async function loadOrganisation(rt: Runtime): Promise<{ children: Child[]; groups: string[] }> {
  const now = rt.now();
  const at = now.toISOString();
  const today = amsterdamDate(now);
  const groups = Array.from({ length: GROUPS }, (_, g) => `group-${pad(g, 2)}`);
  for (const groupId of groups) await rt.directory.createGroup({ groupId, name: `Groep ${groupId}`, createdAt: at });
  for (const [g, groupId] of groups.entries()) {
    for (const s of [0, 1]) {
      await rt.directory.putStaff({ staffId: `staff-${pad(g, 2)}-${s}`, displayName: 'Leidster', groupIds: [groupId], createdAt: at, updatedAt: at }, undefined);
    }
  }
  // Group 0 has exactly 30 children (the roster benchmark); the others share the rest at random.
  const children: Child[] = Array.from({ length: CHILDREN }, (_, i) => ({
    childId: `child-${pad(i)}`,
    groupId: i < ROSTER_GROUP_SIZE ? groups[0]! : groups[int(1, GROUPS - 1)]!,
    age: int(3, 17),
    guardians: [`guardian-${pad(i)}-a`, `guardian-${pad(i)}-b`],
  }));
  const birthDates = children.map((c) => {
    const born = new Date(Date.parse(`${addYears(today, -c.age)}T12:00:00Z`) - int(1, 360) * 86_400_000);
    return born.toISOString().slice(0, 10);
  });
  await step(
    'loading children and guardians',
    (p) =>
      pool(
        children.map((c, i) => ({ c, birthDate: birthDates[i]! })),
        16,
        async ({ c, birthDate }) => {
          await createChild(rt, BENCH_ADMIN, 'bench-load', { childId: c.childId, displayName: 'Kind', birthDate, groupIds: [c.groupId] });
          for (const guardianId of c.guardians) {
            await rt.directory.createGuardian({ guardianId, displayName: 'Ouder', createdAt: at });
            await linkGuardian(rt, BENCH_ADMIN, 'bench-load', c.childId, guardianId, { parentalAuthority: true, relationship: 'parent' });
          }
          p.add();
        },
      ),
    { total: children.length },
  );
  return { children, groups };
}

/** Whose decision this is: a guardian below 12, either from 12, the child itself from 16. */
function decider(c: Child): { username: string; role: Role } {
  if (c.age >= 16) return { username: c.childId, role: 'child' };
  if (c.age >= 12 && random() < 0.5) return { username: c.childId, role: 'child' };
  return { username: pick(c.guardians), role: 'guardian' };
}

async function loadLedger(children: Child[]): Promise<number> {
  const decisions: { c: Child; purpose: Purpose; decision: 'granted' | 'withdrawn'; who: { username: string; role: Role } }[] = [];
  for (const c of children) {
    for (const purpose of PURPOSES) {
      const n = int(1, QUICK ? 1 : 3);
      for (let k = 0; k < n; k++) {
        // Mostly granted in the end: a withdrawal is followed by a new grant more often than not.
        const decision = k === n - 1 ? (random() < 0.85 ? 'granted' : 'withdrawn') : random() < 0.5 ? 'granted' : 'withdrawn';
        decisions.push({ c, purpose, decision, who: decider(c) });
      }
    }
  }
  // One child's decisions in order; children in parallel.
  const byChild = new Map<string, typeof decisions>();
  for (const d of decisions) byChild.set(d.c.childId, [...(byChild.get(d.c.childId) ?? []), d]);
  await step(
    'loading ledger decisions through the API',
    async (p) => {
      await pool([...byChild.values()], 12, async (list) => {
        for (const d of list) {
          const res = await call('POST', `/children/${d.c.childId}/decisions`, token(d.who.username, d.who.role), {
            purpose: d.purpose,
            decision: d.decision,
            noticeVersion: NOTICE,
          });
          if (res.status !== 201) throw new Error(`ledger: ${res.status} ${JSON.stringify(res.body)}`);
          p.add();
        }
      });
      await backend.settled();
    },
    { total: decisions.length },
  );
  return decisions.length;
}

async function loadMedia(db: DynamoDBDocumentClient, children: Child[], groups: string[], now: Date): Promise<void> {
  const byGroup = new Map<string, string[]>(groups.map((g) => [g, []]));
  for (const c of children) byGroup.get(c.groupId)!.push(c.childId);
  const span = 3 * 365 * 86_400_000 - 3 * 86_400_000;
  const items: Record<string, unknown>[] = [];
  for (let i = 0; i < ITEMS; i++) {
    const mediaId = `media-${pad(i, 7)}`;
    const groupId = pick(groups);
    const recordedAt = new Date(now.getTime() - 86_400_000 - Math.floor(random() * span)).toISOString();
    const purposes = PURPOSES.filter(() => random() < 0.6);
    if (purposes.length === 0) purposes.push(pick(PURPOSES));
    const members = byGroup.get(groupId)!;
    const childIds = [...new Set(Array.from({ length: int(0, 3) }, () => pick(members)))];
    const dates = deletionDates(new Date(recordedAt), purposes, DEFAULT_RETENTION);
    const due = dueDate(dates);
    items.push({
      ...keys.media(mediaId),
      ...keys.groupMedia(groupId, recordedAt, mediaId),
      ...keys.due(due, mediaId),
      entityType: 'Media',
      mediaId,
      groupId,
      kind: 'photo',
      contentType: 'image/jpeg',
      declaredSize: JPEG.length,
      size: JPEG.length,
      recordedAt,
      uploadedBy: `staff-${groupId.slice(-2)}-0`,
      childIds,
      purposes,
      status: 'available',
      uploadKey: `uploads/${mediaId}`,
      objectKey: `media/${mediaId}`,
      clientReference: mediaId,
      requestHash: 'bench',
      deletionDates: dates,
      dueDate: due,
      locationRemoved: false,
      createdAt: recordedAt,
      completedAt: recordedAt,
    });
    for (const childId of childIds) items.push({ ...keys.depiction(childId, mediaId), entityType: 'Depiction', childId, mediaId });
  }
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  await step(
    `seeding ${ITEMS.toLocaleString('en-US')} media items with their depictions`,
    (p) =>
      pool(batches, 8, async (batch) => {
        let request: Record<string, unknown[]> | undefined = { [TABLE]: batch.map((Item) => ({ PutRequest: { Item } })) };
        while (request && Object.keys(request).length) {
          const out = await db.send(new BatchWriteCommand({ RequestItems: request as never }));
          request = out.UnprocessedItems as Record<string, unknown[]> | undefined;
        }
        p.add(batch.length);
      }),
    { total: items.length },
  );
}

// ---- main ----

async function main(): Promise<void> {
  const [dynamo, s3] = await Promise.all([startDynamoDbLocal(), startS3rver({ directory: mkdtempSync(path.join(tmpdir(), 'bt-bench-ops-')) })]);
  try {
    backend = await startBackend({ dynamoEndpoint: dynamo.endpoint, s3Endpoint: s3.endpoint, tableName: TABLE, bucketName: BUCKET, noticeVersion: NOTICE });
    // The functions' own constructor, on the configuration startBackend has just given them (the
    // same DynamoDB client too: one per endpoint, shared with the handlers).
    const rt = createRuntime(runtimeConfig());
    const db = documentClient(dynamo.endpoint);
    installCounter(db);

    const t0 = Date.now();
    const { children, groups } = await loadOrganisation(rt);
    const t1 = Date.now();
    const ledgerSize = await loadLedger(children);
    const t2 = Date.now();
    await loadMedia(db, children, groups, rt.now());
    const t3 = Date.now();
    console.log(
      `\nLoaded (seed ${SEED}): ${GROUPS} groups, ${CHILDREN} children, ${CHILDREN * 2} guardians, ${GROUPS * 2} staff in ${((t1 - t0) / 1000).toFixed(1)} s; ` +
        `${ledgerSize} ledger decisions through the API in ${((t2 - t1) / 1000).toFixed(1)} s; ${ITEMS} media items (BatchWrite) in ${((t3 - t2) / 1000).toFixed(1)} s`,
    );
    if (QUICK) console.log(`(--quick: ${GROUPS} groups, ${CHILDREN} children, ${ITEMS} items, one decision per child and purpose, a twentieth of the calls; the figures are not comparable with a full run)`);
    else if (ITEMS !== DEFAULT_ITEMS) console.log(`(--items=${ITEMS}; the default is 50 000)`);

    const young = children.filter((c) => c.age < 12);
    const rosterGroup = groups[0]!;
    const admin = token('admin-bench', 'admin');
    const staffOf = (groupId: string) => token(`staff-${groupId.slice(-2)}-0`, 'staff');
    const rows: Row[] = [];
    const nth = <T>(xs: readonly T[], i: number) => xs[(i * 7919) % xs.length]!;

    // Warm-up: the first call of each handler loads its module and opens connections.
    for (const c of children.slice(0, 3)) {
      await call('GET', '/me/children', token(c.guardians[0], 'guardian'));
      await call('GET', `/children/${c.childId}/consents`, token(c.guardians[0], 'guardian'));
      await call('GET', '/me/feed?limit=20', token(c.guardians[0], 'guardian'));
      await call('GET', `/groups/${c.groupId}/roster`, staffOf(c.groupId));
      await call('GET', '/coaching?limit=20', staffOf(c.groupId));
    }

    // One GetItem round trip from this process, as the unit of the ratio column.
    const getMs: number[] = [];
    const getItems = sample(200);
    for (let i = 0; i < 20 + getItems; i++) {
      const c = nth(children, i);
      const started = process.hrtime.bigint();
      await db.send(new GetCommand({ TableName: TABLE, Key: keys.child(c.childId) }));
      if (i >= 20) getMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const getItem = quantile(getMs, 0.5);

    const none = async () => undefined;
    rows.push(await measure('list my children', sample(200), 200, none, (_p, i) => call('GET', '/me/children', token(nth(children, i).guardians[i % 2]!, 'guardian'))));
    rows.push(
      await measure('child consents', sample(200), 200, none, (_p, i) => {
        const c = nth(children, i);
        return call('GET', `/children/${c.childId}/consents`, token(c.guardians[0], 'guardian'));
      }),
    );
    rows.push(
      await measure('decision', sample(200), 201, none, (_p, i) => {
        const c = nth(young, i);
        return call('POST', `/children/${c.childId}/decisions`, token(c.guardians[i % 2]!, 'guardian'), {
          purpose: PURPOSES[i % 3],
          decision: 'granted',
          noticeVersion: NOTICE,
        });
      }),
    );
    rows.push(
      await measure('paper decision', sample(200), 201, none, (_p, i) => {
        const c = nth(young, i + 1);
        return call('POST', `/children/${c.childId}/paper-decisions`, staffOf(c.groupId), {
          purpose: PURPOSES[i % 3],
          decision: 'granted',
          noticeVersion: NOTICE,
          signer: { kind: 'guardian', guardianId: c.guardians[0] },
          formReference: `form-${i}`,
          signedOn: amsterdamDate(rt.now()),
        });
      }),
    );
    rows.push(await measure(`roster of a ${ROSTER_GROUP_SIZE}-child group`, sample(200), 200, none, () => call('GET', `/groups/${rosterGroup}/roster`, staffOf(rosterGroup))));

    // Recorded now, after every decision above: consent at the recording is the consent of today
    // (a minute earlier would fall before the grants of a load that took less than a minute).
    const recordedAt = rt.now().toISOString();
    const uploadBody = (i: number, tag: string) => ({
      clientReference: `bench-${tag}-${i}`,
      kind: 'photo',
      contentType: 'image/jpeg',
      size: JPEG.length,
      recordedAt,
      groupId: rosterGroup,
      childIds: [],
      purposes: ['publication'],
    });
    rows.push(await measure('create upload', sample(50), 201, none, (_p, i) => call('POST', '/media', staffOf(rosterGroup), uploadBody(i, 'create'))));
    const completed: string[] = [];
    rows.push(
      await measure(
        'complete upload',
        sample(50),
        200,
        async (i) => {
          const created = await call('POST', '/media', staffOf(rosterGroup), uploadBody(i, 'complete'));
          const mediaId = (created.body.item as { mediaId: string } | undefined)?.mediaId ?? (created.body.mediaId as string);
          const upload = created.body.upload as { url: string; headers?: Record<string, string> };
          const headers = { ...(upload.headers ?? {}) };
          delete headers['content-length'];
          const put = await fetch(upload.url, { method: 'PUT', headers, body: JPEG });
          await put.arrayBuffer();
          if (put.status !== 200) throw new Error(`upload PUT: ${put.status}`);
          return mediaId;
        },
        async (mediaId) => {
          const res = await call('POST', `/media/${mediaId}/complete`, staffOf(rosterGroup));
          if (res.status === 200) completed.push(mediaId);
          return res;
        },
      ),
    );
    // The same with children in the picture: each depicted child is read and, since issue 13, bound
    // in the transaction (its revision checked and moved on), inside the same round trip.
    const roster = await call('GET', `/groups/${rosterGroup}/roster`, staffOf(rosterGroup));
    const consenting = (roster.body.children as { childId: string; purposes: { publication: { mayRecord: boolean } } }[])
      .filter((c) => c.purposes.publication.mayRecord)
      .map((c) => c.childId)
      .slice(0, 3);
    const withChildren = (i: number, tag: string) => ({ ...uploadBody(i, tag), childIds: consenting });
    rows.push(await measure(`create upload (${consenting.length} children)`, sample(50), 201, none, (_p, i) => call('POST', '/media', staffOf(rosterGroup), withChildren(i, 'create3'))));
    const completedWithChildren: string[] = [];
    rows.push(
      await measure(
        `complete upload (${consenting.length} children)`,
        sample(50),
        200,
        async (i) => {
          const created = await call('POST', '/media', staffOf(rosterGroup), withChildren(i, 'complete3'));
          const upload = created.body.upload as { url: string; headers?: Record<string, string> };
          const headers = { ...(upload.headers ?? {}) };
          delete headers['content-length'];
          await (await fetch(upload.url, { method: 'PUT', headers, body: JPEG })).arrayBuffer();
          return (created.body.item as { mediaId: string }).mediaId;
        },
        async (mediaId) => {
          const res = await call('POST', `/media/${mediaId}/complete`, staffOf(rosterGroup));
          if (res.status === 200) completedWithChildren.push(mediaId);
          return res;
        },
      ),
    );
    rows.push(
      await measure(`publish (${consenting.length} children)`, completedWithChildren.length, 201, none, (_p, i) =>
        call('POST', `/media/${completedWithChildren[i]}/publications`, admin, { channel: 'newsletter', reference: `nieuwsbrief-${i}` }),
      ),
    );
    rows.push(
      await measure('feed page (limit 20)', sample(200), 200, none, (_p, i) => {
        const c = nth(young, i);
        return call('GET', '/me/feed?limit=20', token(c.guardians[0], 'guardian'));
      }),
    );
    rows.push(await measure('coaching library page (limit 20)', sample(200), 200, none, (_p, i) => call('GET', '/coaching?limit=20', staffOf(groups[i % GROUPS]!))));
    rows.push(
      await measure('publish', completed.length, 201, none, (_p, i) =>
        call('POST', `/media/${completed[i]}/publications`, admin, { channel: 'website', reference: `https://example.org/nieuws/${i}` }),
      ),
    );

    // Data-subject rights: the export of a child (its ledger, its items of three years, its trail),
    // the verification of this month's audit chain, and last, since it destroys data, erasures.
    rows.push(
      await measure('export of a child (guardian)', sample(50), 201, none, (_p, i) => {
        // Under 16: from 16 the child exports its own data.
        const c = nth(young, i + 3);
        return call('POST', `/children/${c.childId}/export`, token(c.guardians[0], 'guardian'), {});
      }),
    );
    rows.push(await measure("verify this month's audit chain", sample(5), 200, none, () => call('GET', '/audit/verify', admin)));
    rows.push(
      await measure('erasure of a child', sample(20), 200, none, (_p, i) => {
        const c = nth(children, i + 101);
        return call('POST', `/children/${c.childId}/erasure`, admin, {});
      }),
    );

    const f = (x: number, d = 1) => (Number.isNaN(x) ? '-' : x.toFixed(d));
    console.log(`\nAPI operations (${ITEMS} media items; DynamoDB Local + s3rver, local HTTP backend; counts and capacity are medians per call)`);
    console.log(`GetItem round trip (median of ${getItems}, from the bench process): ${getItem.toFixed(2)} ms\n`);
    console.log('| operation | DynamoDB requests | RCU | WCU | median ms | p95 ms | ratio to GetItem |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) {
      console.log(`| ${r.operation} | ${f(r.requests, 0)} | ${f(r.rcu)} | ${f(r.wcu)} | ${f(r.median)} | ${f(r.p95)} | ${f(r.median / getItem)} |`);
    }
  } finally {
    await backend?.stop();
    await Promise.all([dynamo.stop(), s3.stop()]);
  }
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
