/**
 * `npx tsx bench/sweep.ts [--quick] [--n=N]`: the sweep's cost against the local engines, N due
 * items alone and N due items among 100 x N that are not due. Prints the figures and their ratio
 * (the goal is close to 1: the sweep reads the due-date index, so its cost follows the due items,
 * not the table). No assertions. N is 200, or 20 with --quick. `npm run bench` runs it first, then
 * bench/operations.ts and bench/bundles.ts (bench/run.ts); progress goes to stderr.
 */
import './quiet';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { runSweep } from '../functions/retention/sweep';
import { runtimeConfig } from '../functions/shared/config';
import { documentClient } from '../functions/shared/dynamo';
import { keys } from '../functions/shared/keys';
import { createRuntime } from '../functions/shared/runtime';
import { startDynamoDbLocal, startS3rver } from '../local/engines';
import { LOCAL_CREDENTIALS, LOCAL_REGION, ensureBucket, ensureTable, localS3Client } from '../local/storage';
import { benchArgsOrExit } from './args';
import { step, type Progress } from './progress';

const args = benchArgsOrExit(['n']);
const n = args.number('n', args.quick ? 20 : 200);
const SWEEP_DAY = '2029-06-01';

function item(i: number, due: boolean) {
  const mediaId = `${due ? 'due' : 'keep'}-${String(i).padStart(7, '0')}`;
  const recordedOn = due ? '2026-05-01' : '2027-05-01';
  const deletion = due ? '2029-05-01' : '2030-05-01';
  return {
    ...keys.media(mediaId),
    ...keys.due(deletion, mediaId),
    entityType: 'Media',
    mediaId,
    groupId: 'bench',
    kind: 'photo',
    contentType: 'image/jpeg',
    declaredSize: 1,
    size: 1,
    recordedAt: `${recordedOn}T10:00:00.000Z`,
    uploadedBy: 'bench',
    childIds: [],
    purposes: ['parent_information'],
    status: 'available',
    uploadKey: `uploads/${mediaId}`,
    objectKey: `media/${mediaId}`,
    clientReference: mediaId,
    requestHash: 'bench',
    deletionDates: { parent_information: deletion },
    dueDate: deletion,
    createdAt: `${recordedOn}T10:00:00.000Z`,
  };
}

async function load(endpoint: string, table: string, items: ReturnType<typeof item>[], p: Progress): Promise<void> {
  const db = documentClient(endpoint);
  const batches: ReturnType<typeof item>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  for (let i = 0; i < batches.length; i += 8) {
    await Promise.all(
      batches.slice(i, i + 8).map(async (batch) => {
        let request: Record<string, unknown[]> | undefined = { [table]: batch.map((Item) => ({ PutRequest: { Item } })) };
        while (request && Object.keys(request).length) {
          const out = await db.send(new BatchWriteCommand({ RequestItems: request as never }));
          request = out.UnprocessedItems as Record<string, unknown[]> | undefined;
        }
        p.add(batch.length);
      }),
    );
  }
}

async function scenario(dynamo: string, s3: string, label: string, notDue: number) {
  const table = `bench-${label}-${Date.now()}`;
  await ensureTable(dynamo, table);
  const bucket = `bench-${label}-${Date.now()}`.toLowerCase();
  await ensureBucket(s3, bucket);
  const due = Array.from({ length: n }, (_, i) => item(i, true));
  const items = [...due, ...Array.from({ length: notDue }, (_, i) => item(i, false))];
  await step(`${label}: seeding items`, (p) => load(dynamo, table, items, p), { total: items.length });
  const raw = localS3Client(s3);
  await step(
    `${label}: storing objects`,
    async (p) => {
      for (let i = 0; i < due.length; i += 20) {
        const chunk = due.slice(i, i + 20);
        await Promise.all(chunk.map((d) => raw.send(new PutObjectCommand({ Bucket: bucket, Key: d.objectKey, Body: 'x' }))));
        p.add(chunk.length);
      }
    },
    { total: due.length },
  );
  raw.destroy();
  const rt = createRuntime(
    runtimeConfig({
      TABLE_NAME: table,
      DYNAMODB_ENDPOINT: dynamo,
      BUCKET_NAME: bucket,
      S3_ENDPOINT: s3,
      NOTICE_VERSION: 'bench',
      // The sweep verifies no token; a runtime still names an issuer.
      JWT_ISSUERS: JSON.stringify([{ issuer: 'http://127.0.0.1/bench', jwksUri: 'http://127.0.0.1/bench/jwks', clientIds: ['bench'], roles: ['admin'] }]),
    }),
  );
  rt.now = () => new Date(`${SWEEP_DAY}T03:00:00Z`);
  const started = process.hrtime.bigint();
  const report = await step(`${label}: sweeping ${n} due items`, () => runSweep(rt));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const deleted = Object.values(report.deleted).reduce((a, b) => a + b, 0);
  if (deleted !== n || report.failures.length) throw new Error(`${label}: deleted ${deleted} of ${n}, ${report.failures.length} failures`);
  return { label, items: n + notDue, due: n, ms, perSecond: (deleted / ms) * 1000 };
}

async function main(): Promise<void> {
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'WARN',
  });
  const [dynamo, s3] = await Promise.all([startDynamoDbLocal(), startS3rver({ directory: mkdtempSync(path.join(tmpdir(), 'bt-bench-')) })]);
  try {
    // A warm-up run so that neither measured scenario pays for JIT and connection set-up.
    await scenario(dynamo.endpoint, s3.endpoint, 'warmup', 0);
    const alone = await scenario(dynamo.endpoint, s3.endpoint, 'alone', 0);
    const among = await scenario(dynamo.endpoint, s3.endpoint, 'among', 100 * n);
    const row = (r: typeof alone) =>
      `| ${r.label.padEnd(28)} | ${String(r.items).padStart(8)} | ${String(r.due).padStart(5)} | ${r.ms.toFixed(0).padStart(8)} | ${r.perSecond.toFixed(1).padStart(10)} |`;
    console.log(`\nSweep benchmark (N = ${n}; DynamoDB Local + s3rver on this machine)\n`);
    console.log('| scenario                     |    items |   due |  time ms | deleted/s  |');
    console.log('|------------------------------|----------|-------|----------|------------|');
    console.log(row({ ...alone, label: `${n} due alone` }));
    console.log(row({ ...among, label: `${n} due among ${100 * n} not due` }));
    console.log(`\nratio (among / alone): ${(among.ms / alone.ms).toFixed(2)}  (target: below 1.5)`);
  } finally {
    await Promise.all([dynamo.stop(), s3.stop()]);
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
