/** The one deletion path for footage: withdrawal, retention, erasure, staff and clean-up all use it. */
import { auditEntry, type AuditContext } from './audit';
import { mediaKey } from './bucket-layout';
import { logger } from './logger';
import type { DeletionReason, MediaItem } from './repositories/media';
import type { Runtime } from './runtime';

/**
 * Removes an item's files and replaces its metadata by a tombstone, with its audit entry in the
 * same transaction. The objects go first: the metadata is removed only when its files are
 * confirmed gone, so a crash in between is completed by running this again.
 */
export async function deleteMediaItem(
  rt: Pick<Runtime, 'store' | 'media' | 'now' | 'newId'>,
  item: MediaItem,
  reason: DeletionReason,
  ctx: AuditContext,
  /** Test seam: runs between the objects' and the metadata's deletion. */
  between?: () => Promise<void>,
) {
  await rt.store().deleteAll([...new Set([item.uploadKey, mediaKey(item.mediaId), ...(item.objectKey ? [item.objectKey] : [])])]);
  await between?.();
  const audit = auditEntry(rt, ctx, 'media.deleted', { childIds: item.childIds, mediaId: item.mediaId }, { reason });
  await rt.media.replaceByTombstone(item, { mediaId: item.mediaId, reason, deletedAt: rt.now().toISOString(), childIds: item.childIds }, audit);
  logger.info('media deleted', { mediaId: item.mediaId, reason });
}

