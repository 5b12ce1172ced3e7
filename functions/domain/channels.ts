/**
 * Publication channels (SPEC section 5). Copies on `newsletter` and `print` cannot be taken back;
 * `website` and `social_media` are live and can be taken down after a withdrawal.
 */
export const CHANNELS = ['newsletter', 'print', 'website', 'social_media'] as const;
export type Channel = (typeof CHANNELS)[number];

export const LIVE_CHANNELS: readonly Channel[] = ['website', 'social_media'];

export const isLiveChannel = (channel: Channel): boolean => LIVE_CHANNELS.includes(channel);
