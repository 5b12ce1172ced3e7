/** The one deletion path for footage: withdrawal, retention, erasure, staff and clean-up all use it. */
import { auditEntry, type AuditContext } from './audit';
import { STALE, retryOnStale } from './retry';
import { mediaKey } from './bucket-layout';
import { logger } from './logger';
import type { DeletionReason, MediaItem } from './repositories/media';
import type { Runtime } from './runtime';

/**
 * Removes an item's files and replaces its metadata by a tombstone, with its audit entry in the
 * same transaction. The objects go first: the metadata is removed only when its files are
 * confirmed gone, so a crash in between is completed by running this again. When the item changed
 * meanwhile (an upload completed and wrote its file), it is read again and its files deleted
 * again. Children that are erased (or being erased) are not named in the tombstone, and their
 * links to it go (SPEC §6).
 */
export async function deleteMediaItem(
  rt: Pick<Runtime, 'store' | 'media' | 'erasure' | 'now' | 'newId'>,
  item: MediaItem,
  reason: DeletionReason,
  ctx: AuditContext,
  /** Test seam: runs between the objects' and the metadata's deletion. */
  between?: () => Promise<void>,
) {
  let current = item;
  await retryOnStale(
    async () => {
      await rt.store().deleteAll([...new Set([current.uploadKey, mediaKey(current.mediaId), ...(current.objectKey ? [current.objectKey] : [])])]);
      await between?.();
      const erased = await rt.erasure.erasedAmong(current.childIds);
      const childIds = current.childIds.filter((c) => !erased.has(c));
      const audit = auditEntry(rt, ctx, 'media.deleted', { childIds, mediaId: current.mediaId }, { reason });
      const tombstone = { mediaId: current.mediaId, reason, deletedAt: rt.now().toISOString(), childIds };
      if ((await rt.media.replaceByTombstone(current, tombstone, audit, erased)) === 'replaced') return true;
      const fresh = await rt.media.get(current.mediaId);
      if (!fresh) return true;
      current = fresh;
      return STALE;
    },
    { attempts: 3, exhausted: () => new Error(`media ${item.mediaId} kept changing while it was deleted`) },
  );
  logger.info('media deleted', { mediaId: item.mediaId, reason });
}
