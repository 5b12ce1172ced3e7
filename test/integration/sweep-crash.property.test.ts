/**
 * Example 10 as a property: random items (recording dates, purposes, publications, withdrawals),
 * a random sweep date, the sweep killed at a random step and run again. Afterwards the deleted set
 * is exactly the due set, kept items lost only their expired purposes, and every object left in
 * S3 belongs to a kept item.
 */
import { randomUUID } from 'node:crypto';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { startOfAmsterdamDay } from '../../functions/domain/calendar';
import type { Purpose } from '../../functions/domain/purposes';
import { DEFAULT_RETENTION, deletionDates, dueDate } from '../../functions/domain/retention';
import { runSweep } from '../../functions/retention/sweep';
import type { MediaItem } from '../../functions/shared/repositories/media';
import { LOCAL_CREDENTIALS, LOCAL_REGION, ensureBucket, ensureTable, localS3Client } from '../../local/storage';
import { isolatedRuntime, uid } from './support';

const endpoint = () => process.env.TEST_DYNAMODB_ENDPOINT!;
const s3Endpoint = () => process.env.TEST_S3_ENDPOINT!;
const bucket = 'sweep-property';

const itemArb = fc.record({
  recordedDay: fc.integer({ min: 0, max: 5 * 365 }),
  purposes: fc.subarray<Purpose>(['parent_information', 'coaching_video', 'publication'], { minLength: 0 }),
  coachingYears: fc.constantFrom(1, 2, 3),
  published: fc.boolean(),
});

function day(offset: number): string {
  return new Date(Date.UTC(2025, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
}

beforeAll(async () => {
  Object.assign(process.env, { AWS_REGION: LOCAL_REGION, AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey });
  await ensureBucket(s3Endpoint(), bucket);
});

test('killed at any step and run again, the sweep deletes exactly what is due and nothing else', async () => {
  const s3 = localS3Client(s3Endpoint());
  await fc.assert(
    fc.asyncProperty(fc.array(itemArb, { minLength: 1, maxLength: 8 }), fc.integer({ min: 2 * 365, max: 8 * 365 }), fc.nat(), async (specs, sweepOffset, crashSeed) => {
      const table = uid('sweep-prop');
      await ensureTable(endpoint(), table);
      const sweepDay = day(sweepOffset);
      const rt = isolatedRuntime({ tableName: table, dynamoEndpoint: endpoint(), bucketName: bucket, s3Endpoint: s3Endpoint() });
      rt.now = () => new Date(startOfAmsterdamDay(sweepDay).getTime() + 3 * 3600_000);
      const { media, audit } = rt;

      const items: MediaItem[] = [];
      for (const spec of specs) {
        const mediaId = randomUUID();
        const recordedAt = `${day(spec.recordedDay)}T10:00:00.000Z`;
        // An item whose purposes were all withdrawn but whose deletion failed has none left.
        const dates = deletionDates(new Date(recordedAt), spec.purposes.length ? spec.purposes : ['parent_information'], {
          ...DEFAULT_RETENTION,
          coaching_video: spec.coachingYears,
        });
        const item: MediaItem = {
          mediaId,
          groupId: 'g',
          kind: 'photo',
          contentType: 'image/jpeg',
          declaredSize: 1,
          recordedAt,
          uploadedBy: 's',
          childIds: [],
          purposes: spec.purposes.length ? spec.purposes : ['parent_information'],
          status: 'pending',
          uploadKey: `uploads/${mediaId}`,
          clientReference: mediaId,
          requestHash: 'h',
          deletionDates: dates,
          dueDate: dueDate(dates),
          createdAt: recordedAt,
        };
        await media.createPending(item, item.dueDate, []);
        await media.markAvailable(item, { objectKey: `media/${mediaId}`, size: 1, locationRemoved: false, completedAt: recordedAt }, []);
        const available: MediaItem = { ...item, status: 'available' };
        if (spec.published) await media.publish({ publicationId: randomUUID(), mediaId, channel: 'newsletter', reference: 'r', publishedAt: recordedAt, publishedBy: 'a' }, available, []);
        // The withdrawal happened after the recording and no later than the sweep.
        if (spec.purposes.length === 0) await media.setPurposes(available, [], day(Math.min(spec.recordedDay + 1, sweepOffset)), 'withdrawn');
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `media/${mediaId}`, Body: 'x' }));
        items.push({ ...available, purposes: spec.purposes });
      }

      // First run: killed (its promise never settles) at a random step, or it finishes.
      let steps = 0;
      const crashAt = crashSeed % (items.length * 2 + 1);
      let killed!: () => void;
      const wasKilled = new Promise<void>((r) => (killed = r));
      const first = runSweep(rt, {
        beforeStep: () => {
          if (steps++ === crashAt) {
            killed();
            return new Promise<void>(() => undefined);
          }
          return Promise.resolve();
        },
      });
      await Promise.race([first, wasKilled]);
      await runSweep(rt);

      const expired = (i: MediaItem) => i.purposes.filter((p) => (i.deletionDates[p] ?? '') <= sweepDay);
      const due = items.filter((i) => i.purposes.length === 0 || expired(i).length === i.purposes.length).map((i) => i.mediaId).sort();
      const deleted: string[] = [];
      for (const i of items) {
        const tombstone = await media.getTombstone(i.mediaId);
        const live = await media.get(i.mediaId);
        expect(Boolean(tombstone) !== Boolean(live)).toBe(true);
        if (tombstone) deleted.push(i.mediaId);
        else expect(live!.purposes).toEqual(i.purposes.filter((p) => !expired(i).includes(p)));
      }
      expect(deleted.sort()).toEqual(due);
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'media/' }));
      const mine = new Set(items.map((i) => i.mediaId));
      const objects = (listed.Contents ?? []).map((o) => o.Key!.slice('media/'.length)).filter((id) => mine.has(id)).sort();
      expect(objects).toEqual(items.map((i) => i.mediaId).filter((id) => !due.includes(id)).sort());
      // Deleted once: the audit trail holds exactly one deletion per due item and none for the others,
      // and the chain the two runs wrote verifies.
      const deletions = await Promise.all(items.map(async (i) => (await audit.fullTrail({ kind: 'media', mediaId: i.mediaId })).entries.filter((e) => e.action === 'media.deleted').length));
      expect(deletions).toEqual(items.map((i) => (due.includes(i.mediaId) ? 1 : 0)));
      for (const month of await audit.months()) expect(await audit.verifyMonth(month)).toMatchObject({ ok: true });
    }),
    { numRuns: 15 },
  );
  s3.destroy();
});
