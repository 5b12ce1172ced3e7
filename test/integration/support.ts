/** A local backend per test file on the shared engines: its own table, issuer and API port. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBackend, type LocalBackend } from '../../local/backend';
import { inStreamHandler } from '../../local/streams';
import type { OrganisationConfig } from '../../infra/config';
import { assertDocumented } from './contract';
import { startDynamoDbLocal, startS3rver } from '../../local/engines';
import { documentClient } from '../../functions/shared/dynamo';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_RETENTION, deletionDates, dueDate } from '../../functions/domain/retention';
import type { Role } from '../../functions/shared/auth';
import { runtimeConfig } from '../../functions/shared/config';
import { createRuntime, type Runtime } from '../../functions/shared/runtime';

export interface TestBackend extends LocalBackend {
  token: (username: string, role: Role) => string;
  call: (method: string, path: string, options?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }) => Promise<{ status: number; body: any; headers: Headers }>;
  runtime: () => Runtime;
  tableName: string;
  bucketName: string;
  s3Endpoint: string;
  /** This test file's own DynamoDB Local. */
  dynamoEndpoint: string;
  /** Stops the backend (and its s3rver) but keeps the DynamoDB Local, to look at what it left; then stopEngine(). */
  stopKeepingData: () => Promise<void>;
  stopEngine: () => Promise<void>;
}

export const NOTICE = '2026-09';

export function uid(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * `s3Events`: start an s3rver of this test file's own, whose ObjectCreated notifications reach the
 * object-created handler as in AWS (the shared server's events go to the process that started it).
 */
export async function startTestBackend(
  options: { organisation?: OrganisationConfig; agePolicy?: 'youth-care' | 'uavg'; s3Events?: boolean; propagateWithdrawals?: boolean; chainAudit?: boolean } = {},
): Promise<TestBackend> {
  // A DynamoDB Local of the test file's own, with its table's stream: DynamoDB Local answers a
  // stream read in a time that grows with every stream record it holds, of every table, so one
  // engine shared by all test files would slow every file after the first few.
  const ownDynamo = await startDynamoDbLocal();
  const dynamoEndpoint = ownDynamo.endpoint;
  const tableName = uid('bt-test');
  const ownS3 = options.s3Events ? await startS3rver({ directory: mkdtempSync(path.join(tmpdir(), 'bt-s3-own-')) }) : undefined;
  const s3Endpoint = ownS3?.endpoint ?? process.env.TEST_S3_ENDPOINT;
  if (!s3Endpoint) throw new Error('the integration global setup did not start s3rver');
  const backend = await startBackend({
    dynamoEndpoint,
    s3Endpoint,
    bucketName: tableName,
    tableName,
    ...(options.organisation ? { organisation: options.organisation } : { noticeVersion: NOTICE }),
    ...(options.agePolicy ? { agePolicy: options.agePolicy } : {}),
    ...(ownS3 ? { s3Events: ownS3.onEvent } : {}),
    ...(options.propagateWithdrawals === false ? { propagateWithdrawals: false } : {}),
    ...(options.chainAudit === false ? { chainAudit: false } : {}),
  });
  return {
    ...backend,
    s3Endpoint,
    dynamoEndpoint,
    bucketName: tableName,
    stop: async () => {
      await backend.stop();
      await ownS3?.stop();
      await ownDynamo.stop();
    },
    stopKeepingData: async () => {
      await backend.stop();
      await ownS3?.stop();
    },
    stopEngine: () => ownDynamo.stop(),
    tableName,
    token: (username, role) => backend.issuer.mint({ username, role }),
    call: async (method, path, { token, body, rawBody, headers } = {}) => {
      const res = await fetch(`${backend.url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined || rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(rawBody !== undefined ? { body: rawBody } : body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      const parsed = text ? JSON.parse(text) : undefined;
      assertDocumented(method, path, res.status, res.headers.get('content-type'), parsed);
      return { status: res.status, body: parsed, headers: res.headers };
    },
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the runtime module must load after startBackend set the environment
    runtime: () => (require('../../functions/shared/runtime') as typeof import('../../functions/shared/runtime')).getRuntime(),
  };
}

/**
 * A runtime of its own on a table and bucket of the test's, built with the constructor the
 * handlers use (no backend: for the sweep and the repositories alone).
 */
export function isolatedRuntime(o: { tableName: string; dynamoEndpoint: string; bucketName: string; s3Endpoint: string; agePolicy?: 'youth-care' | 'uavg' }): Runtime {
  return createRuntime(
    runtimeConfig({
      TABLE_NAME: o.tableName,
      DYNAMODB_ENDPOINT: o.dynamoEndpoint,
      BUCKET_NAME: o.bucketName,
      S3_ENDPOINT: o.s3Endpoint,
      NOTICE_VERSION: NOTICE,
      AGE_POLICY: o.agePolicy ?? 'youth-care',
      // Nothing here verifies a token; a runtime still names an issuer.
      JWT_ISSUERS: JSON.stringify([{ issuer: 'http://127.0.0.1/test', jwksUri: 'http://127.0.0.1/test/jwks', clientIds: ['test'], roles: ['admin'] }]),
    }),
  );
}

/** The ISO date `years` before today in Amsterdam, shifted by `days` (negative: later). */
export function bornYearsAgo(years: number, days = 0): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date());
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y - years, m - 1, d - days));
  return date.toISOString().slice(0, 10);
}

/**
 * An organisation built through the admin API: a group, a child, guardians linked as asked.
 */
export async function createFamily(
  b: TestBackend,
  spec: { birthDate: string; guardians: { id?: string; authority: boolean }[]; groupId?: string; staffId?: string; daysAgo?: number },
) {
  if (spec.daysAgo) {
    // Entered by the admin that many days ago: the facts' history starts then.
    const rt = b.runtime();
    const now = rt.now;
    rt.now = () => new Date(now().getTime() - spec.daysAgo! * 86_400_000);
    try {
      return await createFamily(b, { ...spec, daysAgo: 0 });
    } finally {
      rt.now = now;
    }
  }
  const admin = b.token('admin-test', 'admin');
  const groupId = spec.groupId ?? uid('group');
  if (!spec.groupId) {
    const g = await b.call('POST', '/groups', { token: admin, body: { groupId, name: 'Groep' } });
    if (g.status !== 201) throw new Error(`group: ${g.status} ${JSON.stringify(g.body)}`);
  }
  const childId = uid('child');
  const c = await b.call('POST', '/children', {
    token: admin,
    body: { childId, displayName: 'Kind', birthDate: spec.birthDate, groupIds: [groupId] },
  });
  if (c.status !== 201) throw new Error(`child: ${c.status} ${JSON.stringify(c.body)}`);
  const guardianIds: string[] = [];
  for (const g of spec.guardians) {
    const guardianId = g.id ?? uid('guardian');
    const created = await b.call('POST', '/guardians', { token: admin, body: { guardianId, displayName: 'Ouder' } });
    if (created.status !== 201 && created.status !== 409) throw new Error(`guardian: ${created.status}`);
    const l = await b.call('PUT', `/children/${childId}/guardians/${guardianId}`, {
      token: admin,
      body: { parentalAuthority: g.authority },
    });
    if (l.status !== 200) throw new Error(`link: ${l.status} ${JSON.stringify(l.body)}`);
    guardianIds.push(guardianId);
  }
  const staffId = spec.staffId ?? uid('staff');
  const s = await b.call('PUT', `/staff/${staffId}`, { token: admin, body: { displayName: 'Leidster', groupIds: [groupId] } });
  if (s.status !== 201 && s.status !== 200) throw new Error(`staff: ${s.status} ${JSON.stringify(s.body)}`);
  return { admin, groupId, childId, guardianIds, staffId };
}

/** Uploads bytes to a pre-signed URL the way a tablet does: the signed headers, exactly. */
export async function putToUrl(upload: { url: string; headers: Record<string, string> }, body: Uint8Array, override: Record<string, string> = {}): Promise<number> {
  const headers = { ...upload.headers, ...override };
  delete (headers as Record<string, string>)['content-length'];
  const res = await fetch(upload.url, { method: 'PUT', headers, body });
  await res.arrayBuffer();
  return res.status;
}

/**
 * An available media item written through the repository, as a completed upload leaves it
 * (the object itself is not needed for listing or for signing URLs).
 */
export async function seedAvailableItem(
  b: TestBackend,
  spec: {
    groupId: string;
    childIds: string[];
    purposes: ('parent_information' | 'coaching_video' | 'publication')[];
    recordedAt?: string;
    uploadedBy?: string;
    deletionDates?: Partial<Record<'parent_information' | 'coaching_video' | 'publication', string>>;
  },
): Promise<string> {
  const rt = b.runtime();
  const mediaId = randomUUID();
  const recordedAt = spec.recordedAt ?? new Date().toISOString();
  const dates = spec.deletionDates ?? deletionDates(new Date(recordedAt), spec.purposes, DEFAULT_RETENTION);
  const item = {
    mediaId,
    groupId: spec.groupId,
    kind: 'photo' as const,
    contentType: 'image/jpeg',
    declaredSize: 10,
    recordedAt,
    uploadedBy: spec.uploadedBy ?? 'staff-seed',
    childIds: spec.childIds,
    purposes: spec.purposes,
    status: 'pending' as const,
    uploadKey: `uploads/${mediaId}`,
    clientReference: uid('seed'),
    requestHash: 'seed',
    deletionDates: dates,
    dueDate: dueDate(dates),
    createdAt: recordedAt,
  };
  // Seeded as stored state, past the gate: the tests decide what consent there is.
  if ((await rt.media.createPending(item, dueDate(dates), [])) !== 'created') throw new Error('seed item not created');
  if ((await rt.media.markAvailable(item, { objectKey: `media/${mediaId}`, size: 10, locationRemoved: false, completedAt: recordedAt }, [])) !== 'completed') throw new Error('seed item not completed');
  return mediaId;
}

/**
 * A child with guardians written through the admin's use cases directly (no HTTP), for tests that
 * build many: its facts get their history as the API would give them.
 */
export async function seedChild(b: TestBackend, spec: { childId: string; birthDate: string; groupIds: string[]; guardians: { guardianId: string; parentalAuthority: boolean }[] }): Promise<void> {
  const { createChild, linkGuardian } = await import('../../functions/admin/service');
  const rt = b.runtime();
  const admin = { userId: 'admin-seed', role: 'admin' as const };
  await createChild(rt, admin, 'seed', { childId: spec.childId, displayName: 'K', birthDate: spec.birthDate, groupIds: spec.groupIds });
  for (const g of spec.guardians) {
    if (!(await rt.directory.getGuardian(g.guardianId))) await rt.directory.createGuardian({ guardianId: g.guardianId, displayName: 'G', createdAt: rt.now().toISOString() });
    await linkGuardian(rt, admin, 'seed', spec.childId, g.guardianId, { parentalAuthority: g.parentalAuthority });
  }
}

/**
 * Counts the DynamoDB requests the route functions send while `fn` runs (same process, same
 * client). What the stream's functions send meanwhile (the chainer, the withdrawal propagation:
 * functions of their own in AWS) is not the request's cost and is not counted.
 */
export async function countDynamoCalls(fn: () => Promise<unknown>): Promise<number> {
  const client = documentClient(process.env.DYNAMODB_ENDPOINT);
  let calls = 0;
  const name = `count-${uid('m')}`;
  client.middlewareStack.add(
    (next) => async (args) => {
      if (!inStreamHandler()) calls++;
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    await fn();
  } finally {
    client.middlewareStack.remove(name);
  }
  return calls;
}

/** This month, as the audit chain names it (UTC). */
export const thisMonth = (): string => new Date().toISOString().slice(0, 7);

/** A month's audit links as stored, in sequence order. */
export async function auditLinksOf(b: Pick<TestBackend, 'tableName'>, month: string): Promise<Record<string, any>[]> {
  const out = await documentClient(process.env.DYNAMODB_ENDPOINT).send(
    new QueryCommand({
      TableName: b.tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)',
      ExpressionAttributeValues: { ':pk': `AUDIT#${month}`, ':p': 'SEQ#' },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}
