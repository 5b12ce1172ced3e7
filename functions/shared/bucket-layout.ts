/**
 * Where footage lives in the bucket; shared with the CDK data stack, whose lifecycle rules
 * expire each prefix (uploads and exports after a day, media as a backstop to the sweep).
 */
export const UPLOAD_PREFIX = 'uploads/';
export const MEDIA_PREFIX = 'media/';
/** Data-subject exports (one JSON document each), kept for a day, then expired by a lifecycle rule. */
export const EXPORT_PREFIX = 'exports/';

export const uploadKey = (mediaId: string): string => `${UPLOAD_PREFIX}${mediaId}`;
export const mediaKey = (mediaId: string): string => `${MEDIA_PREFIX}${mediaId}`;
export const exportKey = (requestId: string): string => `${EXPORT_PREFIX}${requestId}.json`;

/** The media id of an object key under the upload prefix, or undefined for any other key. */
export function mediaIdOfUploadKey(key: string): string | undefined {
  if (!key.startsWith(UPLOAD_PREFIX)) return undefined;
  const id = key.slice(UPLOAD_PREFIX.length);
  return /^[A-Za-z0-9-]{1,100}$/.test(id) ? id : undefined;
}
