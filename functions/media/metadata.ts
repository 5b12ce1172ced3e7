/**
 * Removes location metadata from uploaded photos before anyone else can see them (SPEC section 8):
 * a photo's EXIF GPS, or the GPS an XMP packet repeats, can show where a child lives.
 *
 * Everything else is kept: orientation, camera, dates. A photo that comes back sideways, or
 * re-encoded, is a worse product and gives no extra privacy. So EXIF is edited in place rather
 * than dropped, and the pixels are never touched.
 *
 * When a structure cannot be read with confidence the code fails closed: it removes or blanks
 * the whole metadata block rather than guess and leave coordinates behind. It never throws on
 * malformed input; a hostile or broken upload must not make the pipeline skip stripping.
 *
 * Pure: no I/O. The input array is never modified.
 */
import { crc32 } from 'node:zlib';
import { sniffContentType, type MediaContentType } from './sniff';

export interface StripResult {
  /** The stripped file; the very input array when there was nothing to remove. */
  data: Uint8Array;
  /** Whether anything that carries (or might carry) a location was neutralised or removed. */
  removed: boolean;
}

export function stripLocation(contentType: MediaContentType, data: Uint8Array): StripResult {
  // Readers go by the bytes, not by the label, so the bytes decide which structure is walked: a
  // PNG uploaded as "image/jpeg" must still lose its eXIf chunk.
  const type = sniffContentType(data) ?? contentType;
  switch (type) {
    case 'image/jpeg':
      return stripJpeg(data);
    case 'image/png':
      return stripPng(data);
    case 'image/heic':
      return stripHeic(data);
    case 'video/mp4':
    case 'video/quicktime':
      // Not handled: video location lives in QuickTime/MP4 atoms (©xyz, udta, the mdta keys such
      // as com.apple.quicktime.location.ISO6709) and in metadata tracks. Rewriting those safely
      // means rewriting the atom tree and chunk offsets; until that exists, videos pass unchanged.
      return { data, removed: false };
  }
}

// ---------------------------------------------------------------------------------------------
// Bytes

/** Raised by bounds checks; always caught inside this module and turned into failing closed. */
class MalformedError extends Error {}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function matchAt(b: Uint8Array, at: number, pattern: Uint8Array): boolean {
  if (at < 0 || at + pattern.length > b.length) return false;
  for (let i = 0; i < pattern.length; i++) if (b[at + i] !== pattern[i]) return false;
  return true;
}

function indexOfBytes(b: Uint8Array, pattern: Uint8Array, from: number): number {
  const first = pattern[0];
  if (first === undefined) return -1;
  for (let i = b.indexOf(first, from); i !== -1; i = b.indexOf(first, i + 1)) {
    if (matchAt(b, i, pattern)) return i;
  }
  return -1;
}

function u16be(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}

function u32be(b: Uint8Array, at: number): number {
  return (b[at] ?? 0) * 0x1000000 + (((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0));
}

function writeU32be(b: Uint8Array, at: number, value: number): void {
  b[at] = (value >>> 24) & 0xff;
  b[at + 1] = (value >>> 16) & 0xff;
  b[at + 2] = (value >>> 8) & 0xff;
  b[at + 3] = value & 0xff;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * `out` is the edited copy, `drops` the sorted, disjoint [start, end) ranges to leave out of it.
 * Every edit made in this module is a removal, so `removed` is simply "the bytes changed"; that
 * also makes a second pass over our own output report nothing removed.
 */
function result(input: Uint8Array, out: Uint8Array, drops: Array<[number, number]>): StripResult {
  if (drops.length === 0 && bytesEqual(input, out)) return { data: input, removed: false };
  return { data: drops.length > 0 ? without(out, drops) : out, removed: true };
}

/** Copies `data` while leaving out the given [start, end) ranges, which are sorted and disjoint. */
function without(data: Uint8Array, drops: Array<[number, number]>): Uint8Array {
  const parts: Uint8Array[] = [];
  let from = 0;
  for (const [start, end] of drops) {
    parts.push(data.subarray(from, start));
    from = end;
  }
  parts.push(data.subarray(from));
  return concatBytes(...parts);
}

// ---------------------------------------------------------------------------------------------
// TIFF (the body of every EXIF block)

const TIFF_LE = ascii('II*\0');
const TIFF_BE = ascii('MM\0*');
const GPS_IFD_POINTER = 0x8825;

/** Bytes per value for each TIFF field type; needed to find values stored outside the entry. */
const TIFF_TYPE_SIZE: ReadonlyMap<number, number> = new Map([
  [1, 1], [2, 1], [3, 2], [4, 4], [5, 8], [6, 1], [7, 1], [8, 2], [9, 4], [10, 8], [11, 4], [12, 8], [13, 4],
]);

function isTiffHeader(b: Uint8Array, at: number): boolean {
  return matchAt(b, at, TIFF_LE) || matchAt(b, at, TIFF_BE);
}

class TiffReader {
  constructor(
    private readonly b: Uint8Array,
    private readonly littleEndian: boolean,
  ) {}

  need(at: number, length: number): void {
    if (!Number.isSafeInteger(at) || !Number.isSafeInteger(length) || at < 0 || length < 0) throw new MalformedError();
    if (at + length > this.b.length) throw new MalformedError();
  }

  u16(at: number): number {
    this.need(at, 2);
    const [x, y] = [this.b[at] ?? 0, this.b[at + 1] ?? 0];
    return this.littleEndian ? x | (y << 8) : (x << 8) | y;
  }

  u32(at: number): number {
    this.need(at, 4);
    const [w, x, y, z] = [this.b[at] ?? 0, this.b[at + 1] ?? 0, this.b[at + 2] ?? 0, this.b[at + 3] ?? 0];
    return this.littleEndian ? z * 0x1000000 + ((y << 16) | (x << 8) | w) : w * 0x1000000 + ((x << 16) | (y << 8) | z);
  }

  fits(at: number, length: number): boolean {
    return at >= 0 && length >= 0 && at + length <= this.b.length;
  }
}

type TiffOutcome = 'clean' | 'neutralised' | 'malformed';

/**
 * Empties the GPS IFD in place, keeping every length and offset, so the rest of EXIF (and, in
 * HEIC, the box sizes and item locations around it) stays valid. 'malformed' means the block
 * could not be read with confidence and the caller must remove or blank all of it.
 */
function neutraliseTiffGps(tiff: Uint8Array): TiffOutcome {
  try {
    const blanks = gpsBlanks(tiff);
    if (blanks.length === 0) return 'clean';
    // Zeroing the GPS IFD from its first byte also sets its entry count to 0: readers find it empty.
    for (const [at, length] of blanks) tiff.fill(0, at, at + length);
    // Hostile offsets can overlap (GPS values inside IFD0, say), so the result is read again:
    // what we hand back must itself read as clean, or it goes as a whole.
    return gpsBlanks(tiff).length === 0 ? 'neutralised' : 'malformed';
  } catch {
    // A bounds check failed (or something unforeseen happened): fail closed, never throw.
    return 'malformed';
  }
}

/** The byte ranges to zero: every GPS IFD with entries, and the values its entries point to. */
function gpsBlanks(tiff: Uint8Array): Array<[number, number]> {
  if (!isTiffHeader(tiff, 0)) throw new MalformedError();
  const r = new TiffReader(tiff, tiff[0] === 0x49);

  // The GPS pointer belongs in IFD0; IFD1 (the thumbnail's) is searched as well, as some writers
  // misplace it there. IFD0 must be readable; a broken pointer to IFD1 is one no reader follows.
  const gpsIfds = new Set<number>();
  const visited = new Set<number>();
  let ifd = r.u32(4);
  for (let depth = 0; depth < 2 && ifd !== 0 && !visited.has(ifd); depth++) {
    if (depth > 0 && !(r.fits(ifd, 2) && r.fits(ifd + 2, 12 * r.u16(ifd)))) break;
    visited.add(ifd);
    const count = r.u16(ifd);
    r.need(ifd + 2, 12 * count);
    for (let i = 0; i < count; i++) {
      const entry = ifd + 2 + 12 * i;
      const type = r.u16(entry + 2);
      // A field type no reader knows means we are not reading a real IFD0: the pointer to it is
      // damaged, and where the GPS IFD is cannot be told.
      if (depth === 0 && !TIFF_TYPE_SIZE.has(type)) throw new MalformedError();
      if (r.u16(entry) !== GPS_IFD_POINTER) continue;
      // A pointer must be a single LONG (or IFD); anything else is a pointer we cannot follow.
      if ((type !== 4 && type !== 13) || r.u32(entry + 4) !== 1) throw new MalformedError();
      gpsIfds.add(r.u32(entry + 8));
    }
    const next = ifd + 2 + 12 * count;
    if (!r.fits(next, 4)) break;
    ifd = r.u32(next);
  }

  // Every GPS IFD and every value it points to is checked before anything is changed.
  const blanks: Array<[number, number]> = [];
  for (const gps of gpsIfds) {
    const count = r.u16(gps);
    r.need(gps + 2, 12 * count);
    if (count === 0) continue;
    for (let i = 0; i < count; i++) {
      const entry = gps + 2 + 12 * i;
      const size = TIFF_TYPE_SIZE.get(r.u16(entry + 2));
      // An unknown type cannot be read by anyone; its four inline bytes go with the entry below.
      if (size === undefined) continue;
      const length = size * r.u32(entry + 4);
      if (length <= 4) continue;
      const at = r.u32(entry + 8);
      r.need(at, length);
      blanks.push([at, length]);
    }
    blanks.push([gps, 2 + 12 * count]);
  }
  return blanks;
}

// ---------------------------------------------------------------------------------------------
// XMP

const EMPTY_XMPMETA = ascii('<x:xmpmeta xmlns:x="adobe:ns:meta/"/>');
const EMPTY_XMP_PACKET_HEAD = concatBytes(ascii('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'), EMPTY_XMPMETA);
const EMPTY_XMP_PACKET_TAIL = ascii('<?xpacket end="w"?>');

/**
 * Replaces an XMP packet in place with an empty one of the same length (padding is legal XMP), so
 * readers see valid, empty XMP where rewriting the container would be needed to drop it.
 */
function blankXmpInPlace(view: Uint8Array): void {
  view.fill(0x20);
  if (view.length >= EMPTY_XMP_PACKET_HEAD.length + EMPTY_XMP_PACKET_TAIL.length) {
    view.set(EMPTY_XMP_PACKET_HEAD, 0);
    view.set(EMPTY_XMP_PACKET_TAIL, view.length - EMPTY_XMP_PACKET_TAIL.length);
  }
}

// ---------------------------------------------------------------------------------------------
// Scanning: the safety net behind the structure walks

const EXIF_HEADER = ascii('Exif\0\0');
const XMP_OPENINGS = [ascii('<x:xmpmeta'), ascii('<x:xapmeta'), ascii('<rdf:RDF')];
const XMP_CLOSINGS = [ascii('</x:xmpmeta>'), ascii('</x:xapmeta>'), ascii('</rdf:RDF>')];
const XMP_PACKET_END = ascii('<?xpacket end');

/**
 * Not every reader walks the structure the way we do: some scan for "Exif\0\0" or for an XMP
 * packet anywhere in the file (XMP's own packet scanning does exactly that). So after the walk,
 * every byte is scanned and whatever is found is neutralised in place, where no offset moves.
 * EXIF already emptied reads as clean here, and the empty XMP we write is left alone. `walked`
 * names EXIF blocks a walk has already judged within their proper bounds.
 */
function scanInPlace(out: Uint8Array, walked: ReadonlySet<number> = new Set()): void {
  for (let at = indexOfBytes(out, EXIF_HEADER, 0); at !== -1; at = indexOfBytes(out, EXIF_HEADER, at + 1)) {
    const tiffAt = at + EXIF_HEADER.length;
    if (walked.has(at) || !isTiffHeader(out, tiffAt)) continue;
    // Without the container's word on where the block ends it is read up to the end of the file;
    // if it cannot be read, blanking its header makes it unreadable to every reader.
    if (neutraliseTiffGps(out.subarray(tiffAt)) === 'malformed') out.fill(0, tiffAt, tiffAt + 8);
  }

  for (const [i, opening] of XMP_OPENINGS.entries()) {
    const closing = XMP_CLOSINGS[i] ?? opening;
    for (let at = indexOfBytes(out, opening, 0); at !== -1; at = indexOfBytes(out, opening, at + 1)) {
      if (matchAt(out, at, EMPTY_XMPMETA)) continue;
      const close = indexOfBytes(out, closing, at);
      const packetEnd = indexOfBytes(out, XMP_PACKET_END, at);
      // An unclosed packet is blanked to its packet end, or failing that to the end of the file.
      const end = close !== -1 ? close + closing.length : packetEnd !== -1 ? packetEnd : out.length;
      out.fill(0x20, at, end);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// JPEG

/** "Exif\0" and one more byte: some old cameras write "Exif\0\xff"; readers accept either. */
const JPEG_EXIF = ascii('Exif\0');
const JPEG_EXIF_HEADER_LENGTH = 6;
const JPEG_XMP = ascii('http://ns.adobe.com/xap/1.0/\0');
const JPEG_XMP_EXTENDED = ascii('http://ns.adobe.com/xmp/extension/\0');
/** A non-standard XMP identifier some writers use; ExifTool reads it, so it is treated as XMP. */
const JPEG_XMP_BARE = ascii('XMP\0');
const APP1 = 0xe1;
const SOS = 0xda;
const EOI = 0xd9;

function isXmpPayload(b: Uint8Array, at: number): boolean {
  return matchAt(b, at, JPEG_XMP) || matchAt(b, at, JPEG_XMP_EXTENDED) || matchAt(b, at, JPEG_XMP_BARE);
}

/** Blanks the XMP after the segment's identifier, which stays so readers still know what it was. */
function blankXmpSegmentInPlace(out: Uint8Array, payload: number, end: number): void {
  if (matchAt(out, payload, JPEG_XMP)) return blankXmpInPlace(out.subarray(payload + JPEG_XMP.length, end));
  // Extended XMP is a slice of a packet (after a GUID and offsets), so no empty packet fits there.
  const identifier = matchAt(out, payload, JPEG_XMP_EXTENDED) ? JPEG_XMP_EXTENDED : JPEG_XMP_BARE;
  out.subarray(Math.min(payload + identifier.length, end), end).fill(0x20);
}

function stripJpeg(input: Uint8Array): StripResult {
  const out = input.slice();
  const drops: Array<[number, number]> = [];
  const walked = new Set<number>();
  let pos = 0;

  if (out[0] === 0xff && out[1] === 0xd8) {
    pos = 2;
    // Walk the header segments up to the first scan. Segments here may change length, since
    // nothing in a JPEG points at a byte offset before the scan.
    while (pos < out.length && out[pos] === 0xff) {
      let m = pos + 1;
      while (m < out.length && out[m] === 0xff) m++; // fill bytes
      const marker = out[m];
      if (marker === undefined || marker === 0x00 || marker === SOS || marker === EOI) break;
      if (marker === 0x01 || marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7)) {
        pos = m + 1; // markers without a length
        continue;
      }
      const length = u16be(out, m + 1);
      const end = m + 1 + length;
      if (m + 3 > out.length || length < 2 || end > out.length) break; // broken: the scan below takes over
      const payload = m + 3;
      if (marker === APP1 && matchAt(out, payload, JPEG_EXIF) && payload + JPEG_EXIF_HEADER_LENGTH <= end) {
        walked.add(payload);
        const outcome = neutraliseTiffGps(out.subarray(payload + JPEG_EXIF_HEADER_LENGTH, end));
        if (outcome === 'malformed') drops.push([pos, end]);
      } else if (marker === APP1 && isXmpPayload(out, payload)) {
        // XMP can repeat the GPS position (exif:GPSLatitude); in a JPEG it can simply go.
        drops.push([pos, end]);
      }
      pos = end;
    }
  }

  // Then every byte is scanned, with changes made in place. Past the first scan byte offsets
  // matter again: Multi-Picture (MPF) files index the extra images that follow the main one, and
  // those carry their own EXIF. Before it, a bogus segment length can hide EXIF from the walk
  // above but not from every reader. An APP1 marker cannot occur in entropy-coded data, so a
  // match is real; segments already dropped above are scanned too, harmlessly. The packet scan
  // goes first: it blanks a whole XMP packet even where a bogus length cuts its segment short.
  scanInPlace(out, walked);
  neutraliseApp1InPlace(out);
  return result(input, out, drops);
}

function neutraliseApp1InPlace(out: Uint8Array): void {
  for (let i = out.indexOf(0xff); i !== -1 && i + 4 <= out.length; i = out.indexOf(0xff, i + 1)) {
    if (out[i + 1] !== APP1) continue;
    const payload = i + 4;
    const end = Math.min(i + 2 + u16be(out, i + 2), out.length);
    if (matchAt(out, payload, JPEG_EXIF) && payload + JPEG_EXIF_HEADER_LENGTH <= end) {
      const tiff = out.subarray(payload + JPEG_EXIF_HEADER_LENGTH, end);
      if (neutraliseTiffGps(tiff) === 'malformed') tiff.fill(0);
    } else if (isXmpPayload(out, payload) && payload < end) {
      blankXmpSegmentInPlace(out, payload, end);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// PNG

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const TEXT_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt']);
/** The chunks an image cannot do without; never dropped, whatever they seem to contain. */
const CRITICAL_CHUNKS = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND']);
/**
 * Text chunks that hold EXIF or XMP: the XMP keyword, and the "Raw profile" chunks in which
 * ImageMagick and older tools store whole EXIF/APP1/XMP blocks as hex.
 */
const LOCATION_TEXT_KEYWORDS = new Set([
  'XML:com.adobe.xmp', 'Raw profile type exif', 'Raw profile type APP1', 'Raw profile type xmp',
]);
/** Markers of metadata that may hide in bytes the chunk walk could not reach. */
const PNG_METADATA_MARKERS = [ascii('eXIf'), ascii('Exif'), ascii('XML:com.adobe.xmp'), ascii('Raw profile type')];

function chunkKeyword(b: Uint8Array, start: number, end: number): string {
  const nul = b.indexOf(0, start);
  const stop = nul === -1 || nul > end ? end : nul;
  return String.fromCharCode(...b.subarray(start, Math.min(stop, start + 80)));
}

/**
 * A text chunk by its keyword; any other ancillary chunk (a damaged keyword or chunk type, say)
 * if it holds an XMP packet, since packet scanners find XMP wherever it is.
 */
function isLocationText(type: string, b: Uint8Array, start: number, end: number): boolean {
  if (TEXT_CHUNKS.has(type) && LOCATION_TEXT_KEYWORDS.has(chunkKeyword(b, start, end))) return true;
  const text = b.subarray(start, end);
  return XMP_OPENINGS.some((opening) => indexOfBytes(text, opening, 0) !== -1);
}

function stripPng(input: Uint8Array): StripResult {
  const out = input.slice();
  if (!matchAt(input, 0, PNG_SIGNATURE)) {
    // Not a PNG any reader will open; the scan still catches EXIF or XMP a scanning reader would find.
    scanInPlace(out);
    return result(input, out, []);
  }
  const drops: Array<[number, number]> = [];
  let pos = PNG_SIGNATURE.length;

  while (pos + 12 <= out.length) {
    const length = u32be(out, pos);
    const type = String.fromCharCode(...out.subarray(pos + 4, pos + 8));
    const data = pos + 8;
    const end = data + length + 4;
    if (end > out.length) break;
    if (type === 'eXIf') {
      // The PNG spec has the TIFF start right away; some writers still put "Exif\0\0" first.
      const tiffAt = matchAt(out, data, JPEG_EXIF) ? data + JPEG_EXIF_HEADER_LENGTH : data;
      const outcome = tiffAt <= data + length ? neutraliseTiffGps(out.subarray(tiffAt, data + length)) : 'malformed';
      if (outcome === 'neutralised') writeU32be(out, data + length, crc32(out.subarray(pos + 4, data + length)));
      if (outcome === 'malformed') drops.push([pos, end]);
    } else if (!CRITICAL_CHUNKS.has(type) && isLocationText(type, out, data, data + length)) {
      drops.push([pos, end]);
    }
    pos = end;
    if (type === 'IEND') break;
  }

  // Bytes the walk could not reach (a truncated chunk, a trailer after IEND) are no part of the
  // image; if they look like metadata they go, since we cannot tell what they hold.
  if (pos < out.length) {
    const tail = out.subarray(pos);
    if (PNG_METADATA_MARKERS.some((marker) => indexOfBytes(tail, marker, 0) !== -1)) drops.push([pos, out.length]);
  }

  return result(input, out, drops);
}

// ---------------------------------------------------------------------------------------------
// HEIC (ISO base media file format)

interface Box {
  type: string;
  contentStart: number;
  end: number;
}

/** The boxes in [from, to); stops quietly at the first box that does not fit. */
function childBoxes(b: Uint8Array, from: number, to: number): Box[] {
  const boxes: Box[] = [];
  let pos = from;
  while (pos + 8 <= to) {
    let size = u32be(b, pos);
    let header = 8;
    if (size === 1) {
      if (pos + 16 > to) break;
      size = u32be(b, pos + 8) * 2 ** 32 + u32be(b, pos + 12);
      header = 16;
    } else if (size === 0) {
      size = to - pos;
    }
    if (size < header || pos + size > to) break;
    boxes.push({ type: String.fromCharCode(...b.subarray(pos + 4, pos + 8)), contentStart: pos + header, end: pos + size });
    pos += size;
  }
  return boxes;
}

class Cursor {
  constructor(
    private readonly b: Uint8Array,
    public pos: number,
    private readonly end: number,
  ) {}

  private take(n: number): number {
    if (this.pos + n > this.end) throw new MalformedError();
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    return this.b[this.take(1)] ?? 0;
  }

  u16(): number {
    return u16be(this.b, this.take(2));
  }

  u32(): number {
    return u32be(this.b, this.take(4));
  }

  /** iloc fields are 0, 4 or 8 bytes wide. */
  uint(width: number): number {
    if (width === 0) return 0;
    if (width === 4) return this.u32();
    if (width === 8) return this.u32() * 2 ** 32 + this.u32();
    throw new MalformedError();
  }

  fourCc(): string {
    const at = this.take(4);
    return String.fromCharCode(...this.b.subarray(at, at + 4));
  }

  cString(): string {
    const nul = this.b.indexOf(0, this.pos);
    const stop = nul === -1 || nul >= this.end ? this.end : nul;
    const text = String.fromCharCode(...this.b.subarray(this.pos, Math.min(stop, this.pos + 255)));
    this.pos = Math.min(stop + 1, this.end);
    return text;
  }
}

interface MetadataItem {
  kind: 'exif' | 'xmp';
  /** [start, end) byte ranges in the file holding the item's data, in order. */
  extents: Array<[number, number]>;
}

/** The EXIF and XMP items of the file-level `meta` box, found through its item info and locations. */
function heifMetadataItems(b: Uint8Array): MetadataItem[] {
  try {
    const meta = childBoxes(b, 0, b.length).find((box) => box.type === 'meta');
    if (!meta) return [];
    const children = childBoxes(b, meta.contentStart + 4, meta.end); // meta is a full box
    const iinf = children.find((box) => box.type === 'iinf');
    const iloc = children.find((box) => box.type === 'iloc');
    const idat = children.find((box) => box.type === 'idat');
    if (!iinf || !iloc) return [];
    const kinds = itemKinds(b, iinf);
    const locations = itemLocations(b, iloc, idat);
    const items: MetadataItem[] = [];
    for (const [id, kind] of kinds) {
      const extents = locations.get(id);
      if (extents && extents.length > 0) items.push({ kind, extents });
    }
    return items;
  } catch {
    return []; // the scan in stripHeic still looks at every byte
  }
}

function itemKinds(b: Uint8Array, iinf: Box): Map<number, 'exif' | 'xmp'> {
  const c = new Cursor(b, iinf.contentStart, iinf.end);
  const version = c.u8();
  c.pos += 3;
  if (version === 0) c.u16();
  else c.u32();
  const kinds = new Map<number, 'exif' | 'xmp'>();
  for (const infe of childBoxes(b, c.pos, iinf.end)) {
    if (infe.type !== 'infe') continue;
    const e = new Cursor(b, infe.contentStart, infe.end);
    const infeVersion = e.u8();
    e.pos += 3;
    if (infeVersion < 2) continue; // versions 0 and 1 carry no item type
    const id = infeVersion === 2 ? e.u16() : e.u32();
    e.u16(); // protection index
    const itemType = e.fourCc();
    e.cString(); // name
    if (itemType === 'Exif') kinds.set(id, 'exif');
    if (itemType === 'mime' && e.cString().startsWith('application/rdf+xml')) kinds.set(id, 'xmp');
  }
  return kinds;
}

function itemLocations(b: Uint8Array, iloc: Box, idat: Box | undefined): Map<number, Array<[number, number]>> {
  const c = new Cursor(b, iloc.contentStart, iloc.end);
  const version = c.u8();
  c.pos += 3;
  const sizes = c.u8();
  const moreSizes = c.u8();
  const [offsetSize, lengthSize, baseOffsetSize] = [sizes >> 4, sizes & 0xf, moreSizes >> 4];
  const indexSize = version >= 1 ? moreSizes & 0xf : 0;
  const itemCount = version < 2 ? c.u16() : c.u32();
  const locations = new Map<number, Array<[number, number]>>();
  for (let i = 0; i < itemCount; i++) {
    const id = version < 2 ? c.u16() : c.u32();
    const method = version >= 1 ? c.u16() & 0xf : 0;
    c.u16(); // data reference index
    const base = c.uint(baseOffsetSize);
    const extentCount = c.u16();
    const extents: Array<[number, number]> = [];
    for (let j = 0; j < extentCount; j++) {
      if (indexSize > 0) c.uint(indexSize);
      const offset = c.uint(offsetSize);
      const length = c.uint(lengthSize);
      // Method 0: offsets in the file; 1: offsets in idat; 2 (from another item) we cannot place.
      const [origin, limit] = method === 0 ? [0, b.length] : method === 1 && idat ? [idat.contentStart, idat.end] : [-1, -1];
      if (origin < 0) continue;
      const start = origin + base + offset;
      const end = length === 0 ? limit : Math.min(start + length, limit);
      if (start < limit && start < end) extents.push([start, end]);
    }
    locations.set(id, extents);
  }
  return locations;
}

/**
 * HEIC is edited strictly in place: its item locations are byte offsets, so no length may change.
 * The EXIF and XMP items named in the `meta` box are edited by their extents; the scan catches
 * EXIF and XMP the box walk does not reach (other meta boxes, tracks, broken structure).
 */
function stripHeic(input: Uint8Array): StripResult {
  const out = input.slice();
  const items = heifMetadataItems(input);
  const extents = items.flatMap((item) => item.extents).sort(([a], [b]) => a - b);
  const toZero: Array<[number, number]> = [];
  if (extents.some(([start], i) => i > 0 && start < (extents[i - 1]?.[1] ?? 0))) {
    // Overlapping metadata items are no honest file's layout, and cannot each be edited in place.
    toZero.push(...extents);
    items.length = 0;
  }

  // EXIF items are judged by their own extents, on the bytes as uploaded.
  for (const item of items) {
    const [first, ...rest] = item.extents;
    if (item.kind !== 'exif' || !first) continue;
    // An EXIF item opens with a 32-bit count of the bytes between it and the TIFF header (usually
    // "Exif\0\0"). Some writers count wrongly; a TIFF header right after "Exif\0\0" is taken instead.
    let tiffAt = first[1] - first[0] >= 4 ? first[0] + 4 + u32be(out, first[0]) : Infinity;
    const afterExif = first[0] + 4 + EXIF_HEADER.length;
    if (!isTiffHeader(out, tiffAt) && matchAt(out, first[0] + 4, EXIF_HEADER) && isTiffHeader(out, afterExif)) {
      tiffAt = afterExif;
    }
    const outcome = rest.length === 0 && tiffAt < first[1] ? neutraliseTiffGps(out.subarray(tiffAt, first[1])) : 'malformed';
    // An EXIF item split over several extents cannot be edited in place with confidence either.
    if (outcome === 'malformed') toZero.push(...item.extents);
  }

  // The scan runs before anything is zeroed, while EXIF blocks and XMP packets are whole, so it
  // also reaches what a misstated extent only partly covers; it runs once more at the end, so
  // that a second pass finds nothing.
  scanInPlace(out);
  for (const [start, end] of toZero) out.fill(0, start, end);
  for (const item of items) {
    const [first, ...rest] = item.extents;
    if (item.kind !== 'xmp' || !first) continue;
    blankXmpInPlace(out.subarray(first[0], first[1]));
    for (const [start, end] of rest) out.fill(0x20, start, end);
  }
  scanInPlace(out);
  return result(input, out, []);
}
