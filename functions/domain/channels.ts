/**
 * Publication channels (SPEC section 5) are the organisation's own: its settings name each
 * channel with a label and a kind. Copies on a `print` channel (a paper newsletter, the school
 * guide) cannot be taken back; `online` channels are live and are taken down after a withdrawal.
 */
import * as z from 'zod';

export const CHANNEL_KINDS = ['online', 'print'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** A channel id as stored with a publication: the settings' slugs, and the older built-in ids (`social_media`). */
export const channelId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be a channel id');
export type Channel = string;

export interface ChannelSetting {
  id: Channel;
  label: string;
  kind: ChannelKind;
}

/**
 * The channels a deployment had before organisations named their own. Only used when a function
 * runs without the `CHANNELS` setting (unit tests); every deployment and `npm start` set it.
 */
export const BUILT_IN_CHANNELS: readonly ChannelSetting[] = [
  { id: 'newsletter', label: 'Newsletter', kind: 'print' },
  { id: 'print', label: 'Print', kind: 'print' },
  { id: 'website', label: 'Website', kind: 'online' },
  { id: 'social_media', label: 'Social media', kind: 'online' },
];

export interface Channels {
  /** The settings' channels, in their order. */
  all: readonly ChannelSetting[];
  /** The setting of a channel that can be published to now; undefined for any other id. */
  find: (id: string) => ChannelSetting | undefined;
  /**
   * Whether a publication on this channel is live (to be taken down after a withdrawal). A stored
   * publication on a channel the settings no longer name is treated as live: asking for a takedown
   * that is not needed costs an admin a click; missing one breaks a withdrawal.
   */
  isLive: (id: string) => boolean;
}

export function channelsOf(settings: readonly ChannelSetting[]): Channels {
  const byId = new Map(settings.map((c) => [c.id, c]));
  return {
    all: settings,
    find: (id) => byId.get(id),
    isLive: (id) => byId.get(id)?.kind !== 'print',
  };
}
