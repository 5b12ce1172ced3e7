/**
 * Recognises an upload by its bytes, not by the name or content type the client declared: the
 * client's word decides nothing, and the location stripper must know which container it is
 * walking. Only types we can show (and strip) are recognised; anything else is `undefined`,
 * so the caller refuses it rather than storing something we cannot vouch for.
 */

export type MediaContentType = 'image/jpeg' | 'image/png' | 'image/heic' | 'video/mp4' | 'video/quicktime';

/** How many leading bytes `sniffContentType` looks at; callers need read no more than this. */
export const SNIFF_BYTES = 64;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/** HEIF image brands. Image sequences (msf1, hevc, hevx) still come out of a camera as photos. */
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);

/**
 * Brands that mean "a video in an MP4 container". The generic ISO brands are here because
 * phones and editors label ordinary videos with them.
 */
const MP4_BRANDS = new Set([
  'isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'mp41', 'mp42', 'avc1',
  'M4V ', 'M4VH', 'M4VP', 'dash', '3gp4', '3gp5', '3gp6', 'mmp4', 'MSNV', 'f4v ',
]);

/**
 * Major brands that rule the file out even though its compatible brands would match: audio-only
 * MP4 (M4A and friends list isom/mp42 as compatible) is not a photo or video, and AVIF lists
 * mif1 but is not HEIC, so labelling it image/heic would mislead whoever displays it.
 */
const EXCLUDED_MAJOR_BRANDS = new Set(['M4A ', 'M4B ', 'M4P ', 'F4A ', 'F4B ', 'avif', 'avis']);

const QUICKTIME_BRAND = 'qt  ';

/** Atoms an old QuickTime file (from before `ftyp` existed) may open with. */
const QUICKTIME_FIRST_ATOMS = new Set(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot']);

function fourCc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0);
}

function u32be(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) * 0x1000000) + (((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0));
}

function brandType(brand: string): MediaContentType | undefined {
  if (HEIC_BRANDS.has(brand)) return 'image/heic';
  if (brand === QUICKTIME_BRAND) return 'video/quicktime';
  if (MP4_BRANDS.has(brand)) return 'video/mp4';
  return undefined;
}

/** ISO base media files (HEIC, MP4, QuickTime) say what they are in the `ftyp` box. */
function sniffFtyp(head: Uint8Array): MediaContentType | undefined {
  const size = u32be(head, 0);
  // An ftyp box holds at least a major brand and a minor version; anything else is not one.
  if (size < 16 || (size - 8) % 4 !== 0) return undefined;
  const major = fourCc(head, 8);
  if (EXCLUDED_MAJOR_BRANDS.has(major)) return undefined;
  const byMajor = brandType(major);
  if (byMajor) return byMajor;
  // The major brand may be one we do not know while a compatible brand says what the file is.
  const end = Math.min(size, head.length);
  const compatible: string[] = [];
  for (let at = 16; at + 4 <= end; at += 4) compatible.push(fourCc(head, at));
  for (const type of ['image/heic', 'video/quicktime', 'video/mp4'] as const) {
    if (compatible.some((brand) => brandType(brand) === type)) return type;
  }
  return undefined;
}

/** Old QuickTime files have no ftyp; a plausible first atom is all there is to go on. */
function sniffBareQuickTime(head: Uint8Array): MediaContentType | undefined {
  if (!QUICKTIME_FIRST_ATOMS.has(fourCc(head, 4))) return undefined;
  const size = u32be(head, 0);
  // 0 means "to the end of the file" and 1 "a 64-bit size follows"; otherwise an atom is at least its header.
  return size === 0 || size === 1 || size >= 8 ? 'video/quicktime' : undefined;
}

export function sniffContentType(head: Uint8Array): MediaContentType | undefined {
  const b = head.subarray(0, SNIFF_BYTES);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((byte, i) => b[i] === byte)) return 'image/png';
  if (b.length < 12) return undefined;
  if (fourCc(b, 4) === 'ftyp') return sniffFtyp(b);
  return sniffBareQuickTime(b);
}
