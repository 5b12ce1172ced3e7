/**
 * Broken and hostile EXIF: built by corrupting copies of the real fixtures in one named place.
 * Whatever the damage, stripLocation must not throw and must not leave a readable location.
 */
import { stripLocation } from '../../../functions/media/metadata';
import {
  GPS_SENTINELS,
  type TiffLayout,
  ascii,
  concatBytes,
  contains,
  exifSegment,
  fixture,
  indexOf,
  pngChunks,
  pngCrc,
  readIfd0,
  readLocation,
  tiffLayout,
  writeU16,
  xmpSegments,
  writeU32,
} from './media-helpers';

const GPS_LATITUDE = 0x0002;
const GPS_MAP_DATUM = 0x0012;

type Corruption = [label: string, corrupt: (tiff: Uint8Array, layout: TiffLayout) => void];

/** The same damage, applied to whichever container's TIFF block. */
const CORRUPTIONS: Corruption[] = [
  ['a byte order that is neither II nor MM', (t) => t.set(ascii('XX'), 0)],
  ['IFD0 offset past the end', (t, l) => writeU32(t, 4, 0xfffffff0, l.littleEndian)],
  ['IFD0 entry count past the end (truncated IFD)', (t, l) => writeU16(t, l.ifd0, 0xffff, l.littleEndian)],
  // A field type no reader knows: IFD0 is not what it seems (its pointer may be damaged).
  ['an IFD0 entry of unknown field type', (t, l) => writeU16(t, l.ifd0 + 2 + 2, 0x00ff, l.littleEndian)],
  ['GPS IFD pointer past the end', (t, l) => writeU32(t, l.gpsPointerEntry + 8, 0xffffff00, l.littleEndian)],
  ['GPS IFD pointer just one byte short of fitting', (t, l) => writeU32(t, l.gpsPointerEntry + 8, t.length - 1, l.littleEndian)],
  ['GPS IFD pointer of type SHORT', (t, l) => writeU16(t, l.gpsPointerEntry + 2, 3, l.littleEndian)],
  ['GPS IFD pointer with count 2', (t, l) => writeU32(t, l.gpsPointerEntry + 4, 2, l.littleEndian)],
  ['GPS IFD entry count past the end', (t, l) => writeU16(t, l.gpsIfd, 0xffff, l.littleEndian)],
  [
    'GPSLatitude value offset past the end',
    (t, l) => writeU32(t, gpsEntry(l, GPS_LATITUDE).at + 8, 0x7ffffff0, l.littleEndian),
  ],
  [
    'GPSLatitude count so large the value cannot fit',
    (t, l) => writeU32(t, gpsEntry(l, GPS_LATITUDE).at + 4, 0x20000000, l.littleEndian),
  ],
  [
    'GPSMapDatum value offset at the very end',
    (t, l) => writeU32(t, gpsEntry(l, GPS_MAP_DATUM).at + 8, t.length - 3, l.littleEndian),
  ],
];

function gpsEntry(layout: TiffLayout, tag: number): TiffLayout['gpsEntries'][number] {
  const entry = layout.gpsEntries.find((e) => e.tag === tag);
  if (!entry) throw new Error(`fixture has no GPS tag ${tag}`);
  return entry;
}

async function expectNoReadableLocation(data: Uint8Array): Promise<void> {
  const { gps, gpsTags } = await readLocation(data);
  expect(gps).toBeUndefined();
  expect(gpsTags).toEqual([]);
}

describe('malformed EXIF in a JPEG', () => {
  const original = fixture('gps-exif-xmp.jpg');
  const segment = exifSegment(original);
  if (!segment) throw new Error('fixture has no EXIF segment');
  const tiffStart = segment.payload + 6;
  const layout = tiffLayout(original.subarray(tiffStart, segment.end));

  test.each(CORRUPTIONS)('%s: no throw, the EXIF segment is dropped, no location left', async (_label, corrupt) => {
    const damaged = original.slice();
    corrupt(damaged.subarray(tiffStart, segment.end), layout);
    const { data, removed } = stripLocation('image/jpeg', damaged);
    expect(removed).toBe(true);
    expect(exifSegment(data)).toBeUndefined();
    expect([data[0], data[1], data[data.length - 2], data[data.length - 1]]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    for (const sentinel of GPS_SENTINELS) expect(contains(data, sentinel)).toBe(false);
    await expectNoReadableLocation(data);
  });

  test('an EXIF segment that claims to run past the end of a truncated file is blanked in place', () => {
    const gpsValues = tiffStart + layout.gpsIfd;
    const truncated = original.slice(0, gpsValues + 40);
    const { data, removed } = stripLocation('image/jpeg', truncated);
    expect(removed).toBe(true);
    expect(data.length).toBe(truncated.length);
    expect(data.subarray(0, tiffStart)).toEqual(truncated.subarray(0, tiffStart));
    expect(data.subarray(tiffStart).every((b) => b === 0)).toBe(true);
  });

  test('an EXIF segment shortened so the GPS values fall outside it is dropped', async () => {
    const damaged = original.slice();
    const shorter = layout.gpsIfd + 6 + 2 + 12 * 4; // ends inside the GPS IFD
    writeU16(damaged, segment.start + 2, shorter, false);
    const { data, removed } = stripLocation('image/jpeg', damaged);
    expect(removed).toBe(true);
    expect(exifSegment(data)).toBeUndefined();
    await expectNoReadableLocation(data);
  });

  test('an APP0 whose bogus length swallows the EXIF and XMP segments: the scan still finds both', async () => {
    const damaged = original.slice();
    writeU16(damaged, 4, 0x0510, false); // JFIF APP0 length, 0x0010 in the fixture
    const { data, removed } = stripLocation('image/jpeg', damaged);
    expect(removed).toBe(true);
    expect(data.length).toBe(damaged.length); // nothing the walk can trust, so all edits are in place
    for (const sentinel of GPS_SENTINELS) expect(contains(data, sentinel)).toBe(false);
    expect(contains(data, 'GPSLatitude')).toBe(false);
  });

  test('an XMP segment whose length was cut short still loses its whole packet', async () => {
    const xmp = xmpSegments(original)[0];
    if (!xmp) throw new Error('fixture has no XMP segment');
    const damaged = original.slice();
    writeU16(damaged, xmp.start + 2, 0x0144, false); // the packet runs on past the segment's end
    const { data, removed } = stripLocation('image/jpeg', damaged);
    expect(removed).toBe(true);
    expect(contains(data, 'GPSLatitude')).toBe(false);
    expect(contains(data, '52,5.442N')).toBe(false);
    await expectNoReadableLocation(data);
  });

  test('a bare "Exif\\0\\0" APP1 with no TIFF at all is dropped', async () => {
    const damaged = original.slice();
    damaged.fill(0, tiffStart, segment.end);
    const { data, removed } = stripLocation('image/jpeg', damaged);
    expect(removed).toBe(true);
    expect(exifSegment(data)).toBeUndefined();
  });

  test('a GPS IFD that overlaps IFD0 is emptied even at the cost of IFD0 (fail closed)', async () => {
    const damaged = original.slice();
    writeU32(damaged, tiffStart + layout.gpsPointerEntry + 8, layout.ifd0, layout.littleEndian);
    const { data, removed } = stripLocation('image/jpeg', damaged);
    expect(removed).toBe(true);
    expect((await readIfd0(data))?.Make).toBeUndefined();
    await expectNoReadableLocation(data);
  });
});

describe('malformed EXIF in a PNG eXIf chunk', () => {
  const original = fixture('gps-exif-xmp.png');
  const chunk = pngChunks(original).find((c) => c.type === 'eXIf');
  if (!chunk) throw new Error('fixture has no eXIf chunk');
  const tiffStart = chunk.start + 8;
  const tiffEnd = tiffStart + chunk.data.length;
  const layout = tiffLayout(original.subarray(tiffStart, tiffEnd));

  test.each(CORRUPTIONS)('%s: no throw, the chunk is dropped, CRCs stay valid', async (_label, corrupt) => {
    const damaged = original.slice();
    corrupt(damaged.subarray(tiffStart, tiffEnd), layout);
    const { data, removed } = stripLocation('image/png', damaged);
    expect(removed).toBe(true);
    const chunks = pngChunks(data);
    expect(chunks.map((c) => c.type)).not.toContain('eXIf');
    for (const c of chunks) expect(c.crc).toBe(pngCrc(c.type, c.data));
    for (const sentinel of GPS_SENTINELS) expect(contains(data, sentinel)).toBe(false);
    await expectNoReadableLocation(data);
  });

  test('a file truncated inside the eXIf chunk loses everything from that chunk on', () => {
    const truncated = original.slice(0, tiffStart + 100);
    const { data, removed } = stripLocation('image/png', truncated);
    expect(removed).toBe(true);
    // What is left: the signature and the chunks before eXIf, less the XMP one.
    const before = pngChunks(original).filter((c) => c.start < chunk.start);
    const kept = before.filter((c) => c.type !== 'iTXt');
    expect(kept.length).toBe(before.length - 1);
    expect(data).toEqual(concatBytes(original.subarray(0, 8), ...kept.map((c) => original.subarray(c.start, c.start + 12 + c.data.length))));
    expect(contains(data, 'eXIf')).toBe(false);
  });

  test('an unreadable tail without metadata is kept as it was', () => {
    const withTrailer = new Uint8Array([...original, ...ascii('trailing bytes, not metadata')]);
    const stripped = stripLocation('image/png', original).data;
    const { data } = stripLocation('image/png', withTrailer);
    expect(data).toEqual(new Uint8Array([...stripped, ...ascii('trailing bytes, not metadata')]));
  });
});

describe('malformed EXIF in a HEIC', () => {
  const original = fixture('gps-exif-xmp.heic');
  // The Exif item's extent, from `exiftool -v3` (see the fixtures README): a 4-byte offset, "Exif\0\0", TIFF.
  const [itemStart, itemEnd] = [0x250, 0x250 + 0x18c];
  const CODED_IMAGE_START = 0xf01;
  const tiffStart = itemStart + 4 + 6;
  const layout = tiffLayout(original.subarray(tiffStart, itemEnd));

  test.each(CORRUPTIONS)('%s: no throw, same length, no location, the image untouched', async (_label, corrupt) => {
    const damaged = original.slice();
    corrupt(damaged.subarray(tiffStart, itemEnd), layout);
    const { data, removed } = stripLocation('image/heic', damaged);
    expect(removed).toBe(true);
    expect(data.length).toBe(original.length);
    for (const sentinel of GPS_SENTINELS) expect(contains(data, sentinel)).toBe(false);
    await expectNoReadableLocation(data);
    // Only the metadata items may change: the boxes before them and the coded image after them stay.
    expect(data.subarray(0, itemStart)).toEqual(original.subarray(0, itemStart));
    expect(data.subarray(CODED_IMAGE_START)).toEqual(original.subarray(CODED_IMAGE_START));
  });

  test('EXIF that is malformed within its item is blanked whole', () => {
    // A GPS IFD pointer past the end of the file: no reading of it can be trusted.
    const damaged = original.slice();
    writeU32(damaged, tiffStart + layout.gpsPointerEntry + 8, 0xffffff00, layout.littleEndian);
    const { data } = stripLocation('image/heic', damaged);
    expect(data.subarray(itemStart, itemEnd).every((b) => b === 0)).toBe(true);
  });

  test('when the item boxes cannot be read, a scan still finds and empties the GPS IFD', async () => {
    const damaged = original.slice();
    const iloc = indexOf(damaged, 'iloc');
    damaged.set(ascii('xloc'), iloc); // no reader can locate items now; the bytes are still there
    const { data, removed } = stripLocation('image/heic', damaged);
    expect(removed).toBe(true);
    expect(data.length).toBe(original.length);
    for (const sentinel of GPS_SENTINELS) expect(contains(data, sentinel)).toBe(false);
    expect(contains(data, 'GPSLatitude')).toBe(false); // the XMP packet, found by the scan too
    // The scan empties the GPS IFD exactly as the item walk does: EXIF stays readable in place.
    const fixed = data.slice();
    fixed.set(ascii('iloc'), iloc);
    expect(await readIfd0(fixed)).toMatchObject({ Orientation: 6, Make: 'Beeldtoestemming' });
    await expectNoReadableLocation(fixed);
  });

  test('when the item boxes cannot be read and the EXIF is malformed, its TIFF header is blanked', async () => {
    const damaged = original.slice();
    damaged.set(ascii('xloc'), indexOf(damaged, 'iloc'));
    writeU32(damaged, tiffStart + layout.gpsPointerEntry + 8, 0xffffff00, layout.littleEndian);
    const { data, removed } = stripLocation('image/heic', damaged);
    expect(removed).toBe(true);
    expect(data.subarray(tiffStart, tiffStart + 8).every((b) => b === 0)).toBe(true);
  });
});
