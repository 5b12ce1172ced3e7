/**
 * Test-side readers for the media tests. They are written independently of the code under test
 * (their own CRC, their own segment and chunk walks) so that a bug there is not repeated here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import exifr from 'exifr';

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(__dirname, '..', '..', 'fixtures', name)));
}

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

export function indexOf(haystack: Uint8Array, needle: string | Uint8Array, from = 0): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(
    typeof needle === 'string' ? Buffer.from(needle, 'latin1') : Buffer.from(needle),
    from,
  );
}

export function contains(haystack: Uint8Array, needle: string | Uint8Array): boolean {
  return indexOf(haystack, needle) !== -1;
}

/** Values exiftool wrote only into the GPS IFD of the fixtures (GPSMapDatum, GPSDateStamp). */
export const GPS_SENTINELS = ['WGS-84', '2024:05:06'] as const;

export interface Location {
  /** Latitude/longitude from the EXIF GPS IFD, as exifr reads it. */
  gps: { latitude: number; longitude: number } | undefined;
  /** Every GPS* tag exifr finds anywhere (EXIF GPS IFD or XMP), by block. */
  gpsTags: string[];
}

/** What a real EXIF/XMP reader sees; parse errors propagate so a broken file cannot pass as clean. */
export async function readLocation(data: Uint8Array): Promise<Location> {
  const gps = (await exifr.gps(data)) as Location['gps'];
  const blocks = ((await exifr.parse(data, { tiff: true, gps: true, xmp: true, mergeOutput: false })) ?? {}) as Record<
    string,
    unknown
  >;
  const gpsTags: string[] = [];
  for (const [block, content] of Object.entries(blocks)) {
    if (content && typeof content === 'object') {
      for (const key of Object.keys(content)) if (/^GPS|^latitude$|^longitude$/i.test(key)) gpsTags.push(`${block}.${key}`);
    }
  }
  return { gps, gpsTags };
}

/** The IFD0 tags a photo must keep: exifr names them as below. */
export async function readIfd0(data: Uint8Array): Promise<Record<string, unknown> | undefined> {
  const blocks = (await exifr.parse(data, { tiff: true, mergeOutput: false, translateValues: false })) as
    | { ifd0?: Record<string, unknown> }
    | undefined;
  return blocks?.ifd0;
}

// ---------------------------------------------------------------------------------------------
// JPEG

export interface JpegSegment {
  marker: number;
  /** Offset of the 0xFF that starts the segment. */
  start: number;
  /** Offset just past the segment. */
  end: number;
  payload: number;
}

/** Header segments from SOI up to (not including) SOS. */
export function jpegSegments(data: Uint8Array): JpegSegment[] {
  const segments: JpegSegment[] = [];
  let pos = 2;
  while (pos + 4 <= data.length && data[pos] === 0xff) {
    const marker = data[pos + 1] ?? 0;
    if (marker === 0xda || marker === 0xd9) break;
    const length = ((data[pos + 2] ?? 0) << 8) | (data[pos + 3] ?? 0);
    segments.push({ marker, start: pos, end: pos + 2 + length, payload: pos + 4 });
    pos += 2 + length;
  }
  return segments;
}

export function startsWithAt(data: Uint8Array, at: number, text: string): boolean {
  return Buffer.from(data.subarray(at, at + text.length)).toString('latin1') === text;
}

export function exifSegment(data: Uint8Array): JpegSegment | undefined {
  return jpegSegments(data).find((s) => s.marker === 0xe1 && startsWithAt(data, s.payload, 'Exif\0\0'));
}

export function xmpSegments(data: Uint8Array): JpegSegment[] {
  return jpegSegments(data).filter(
    (s) =>
      s.marker === 0xe1 &&
      (startsWithAt(data, s.payload, 'http://ns.adobe.com/xap/1.0/\0') ||
        startsWithAt(data, s.payload, 'http://ns.adobe.com/xmp/extension/\0')),
  );
}

/** A JPEG APP1 segment with the given payload. */
export function app1(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  out.set([0xff, 0xe1, ((payload.length + 2) >> 8) & 0xff, (payload.length + 2) & 0xff]);
  out.set(payload, 4);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p))));
}

// ---------------------------------------------------------------------------------------------
// TIFF layout, for corrupting copies of the fixtures in exactly the place a test means

export interface TiffLayout {
  littleEndian: boolean;
  ifd0: number;
  ifd0Count: number;
  /** Position of the IFD0 entry whose tag is 0x8825. */
  gpsPointerEntry: number;
  gpsIfd: number;
  gpsEntries: Array<{ at: number; tag: number; type: number; count: number }>;
}

/** Offsets are relative to `tiff` (the TIFF header), as in the file format. */
export function tiffLayout(tiff: Uint8Array): TiffLayout {
  const littleEndian = tiff[0] === 0x49;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const u16 = (at: number) => view.getUint16(at, littleEndian);
  const u32 = (at: number) => view.getUint32(at, littleEndian);
  const ifd0 = u32(4);
  const ifd0Count = u16(ifd0);
  let gpsPointerEntry = -1;
  for (let i = 0; i < ifd0Count; i++) if (u16(ifd0 + 2 + 12 * i) === 0x8825) gpsPointerEntry = ifd0 + 2 + 12 * i;
  if (gpsPointerEntry < 0) throw new Error('fixture has no GPS pointer');
  const gpsIfd = u32(gpsPointerEntry + 8);
  const gpsEntries = Array.from({ length: u16(gpsIfd) }, (_, i) => {
    const at = gpsIfd + 2 + 12 * i;
    return { at, tag: u16(at), type: u16(at + 2), count: u32(at + 4) };
  });
  return { littleEndian, ifd0, ifd0Count, gpsPointerEntry, gpsIfd, gpsEntries };
}

export function writeU16(b: Uint8Array, at: number, value: number, littleEndian: boolean): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint16(at, value, littleEndian);
}

export function writeU32(b: Uint8Array, at: number, value: number, littleEndian: boolean): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, value, littleEndian);
}

// ---------------------------------------------------------------------------------------------
// PNG

export interface PngChunk {
  type: string;
  start: number;
  data: Uint8Array;
  crc: number;
}

export function pngChunks(png: Uint8Array): PngChunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: PngChunk[] = [];
  let pos = 8;
  while (pos + 12 <= png.length) {
    const length = view.getUint32(pos);
    const type = Buffer.from(png.subarray(pos + 4, pos + 8)).toString('latin1');
    chunks.push({ type, start: pos, data: png.subarray(pos + 8, pos + 8 + length), crc: view.getUint32(pos + 8 + length) });
    pos += 12 + length;
  }
  if (pos !== png.length) throw new Error(`PNG chunk walk ended at ${pos} of ${png.length}`);
  return chunks;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as the PNG specification gives it (table-driven), independent of node:zlib. */
export function pngCrc(type: string, data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of [...ascii(type), ...data]) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(ascii(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, pngCrc(type, data));
  return out;
}

// ---------------------------------------------------------------------------------------------
// ISO-BMFF

export function box(type: string, ...content: Uint8Array[]): Uint8Array {
  const body = concatBytes(...content);
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setUint32(0, out.length);
  out.set(ascii(type), 4);
  out.set(body, 8);
  return out;
}

export function ftyp(major: string, ...compatible: string[]): Uint8Array {
  return box('ftyp', ascii(major), new Uint8Array(4), ...compatible.map(ascii));
}
