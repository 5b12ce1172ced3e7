import { stripLocation } from '../../../functions/media/metadata';
import {
  GPS_SENTINELS,
  app1,
  ascii,
  box,
  concatBytes,
  contains,
  exifSegment,
  fixture,
  ftyp,
  indexOf,
  jpegSegments,
  pngChunk,
  pngChunks,
  pngCrc,
  readIfd0,
  readLocation,
  xmpSegments,
} from './media-helpers';

/** exifr's numbers for the fixtures' IFD0 (translateValues: false): Orientation 6 is "rotate 90 CW". */
const KEPT_IFD0 = { Make: 'Beeldtoestemming', Model: 'Fixture Camera', Orientation: 6 };

async function expectLocationBefore(data: Uint8Array): Promise<void> {
  const before = await readLocation(data);
  expect(before.gps?.latitude).toBeCloseTo(52.0907, 3);
  expect(before.gps?.longitude).toBeCloseTo(5.1214, 3);
}

async function expectNoLocation(data: Uint8Array): Promise<void> {
  const after = await readLocation(data);
  expect(after.gps).toBeUndefined();
  expect(after.gpsTags).toEqual([]);
  for (const sentinel of GPS_SENTINELS) expect(contains(data, sentinel)).toBe(false);
  // The XMP copy of the position (exif:GPSLatitude / exif:GPSLongitude) is gone as well.
  expect(contains(data, 'GPSLatitude')).toBe(false);
  expect(contains(data, 'GPSLongitude')).toBe(false);
}

describe('stripLocation on a JPEG with EXIF GPS and XMP GPS', () => {
  const original = fixture('gps-exif-xmp.jpg');

  test('the fixture really carries a location, in EXIF and in XMP', async () => {
    await expectLocationBefore(original);
    const { gpsTags } = await readLocation(original);
    expect(gpsTags).toEqual(expect.arrayContaining(['gps.GPSLatitude', 'gps.GPSLongitude', 'gps.GPSLatitudeRef']));
    for (const sentinel of GPS_SENTINELS) expect(contains(original, sentinel)).toBe(true);
    expect(contains(original, 'exif:GPSLatitude')).toBe(true);
  });

  test('no reader finds a location afterwards, and removed is true', async () => {
    const { data, removed } = stripLocation('image/jpeg', original);
    expect(removed).toBe(true);
    await expectNoLocation(data);
  });

  test('orientation, make and model survive', async () => {
    const { data } = stripLocation('image/jpeg', original);
    expect(await readIfd0(data)).toMatchObject(KEPT_IFD0);
  });

  test('still a JPEG: SOI first, EOI last', () => {
    const { data } = stripLocation('image/jpeg', original);
    expect([data[0], data[1]]).toEqual([0xff, 0xd8]);
    expect([data[data.length - 2], data[data.length - 1]]).toEqual([0xff, 0xd9]);
  });

  test('only the XMP segment goes; everything but the GPS IFD is byte for byte the same', () => {
    const { data } = stripLocation('image/jpeg', original);
    const xmp = xmpSegments(original);
    expect(xmp).toHaveLength(1);
    const [segment] = xmp;
    if (!segment) throw new Error('unreachable');
    const expected = concatBytes(original.subarray(0, segment.start), original.subarray(segment.end));
    expect(data.length).toBe(original.length - (segment.end - segment.start));
    expect(xmpSegments(data)).toEqual([]);

    // The EXIF segment keeps its place and length; only bytes inside it may differ.
    const exifBefore = exifSegment(expected);
    const exifAfter = exifSegment(data);
    expect(exifAfter).toEqual(exifBefore);
    if (!exifBefore) throw new Error('unreachable');
    expect(data.subarray(0, exifBefore.start)).toEqual(expected.subarray(0, exifBefore.start));
    expect(data.subarray(exifBefore.end)).toEqual(expected.subarray(exifBefore.end));
    expect(jpegSegments(data).map((s) => s.marker)).toEqual(jpegSegments(expected).map((s) => s.marker));
  });

  test('does not modify the input array', () => {
    const copy = original.slice();
    stripLocation('image/jpeg', copy);
    expect(copy).toEqual(original);
  });

  test('is idempotent: a stripped JPEG comes back unchanged with removed false', () => {
    const once = stripLocation('image/jpeg', original).data;
    const twice = stripLocation('image/jpeg', once);
    expect(twice.removed).toBe(false);
    expect(twice.data).toEqual(once);
  });

  test('extended XMP segments go too', async () => {
    const plain = fixture('no-exif.jpg');
    const extended = app1(
      concatBytes(
        ascii('http://ns.adobe.com/xmp/extension/\0'),
        ascii('0123456789ABCDEF0123456789ABCDEF'), // GUID of the main packet
        Uint8Array.of(0, 0, 0, 80, 0, 0, 0, 0), // full length, offset
        ascii('<rdf:Description exif:GPSLatitude="52,5.442N" exif:GPSLongitude="5,7.284E"/>'),
      ),
    );
    const withExtended = concatBytes(plain.subarray(0, 2), extended, plain.subarray(2));
    const { data, removed } = stripLocation('image/jpeg', withExtended);
    expect(removed).toBe(true);
    expect(data).toEqual(plain);
  });

  test('an image appended after the main one (as in MPF files) loses its GPS in place', async () => {
    const main = fixture('no-exif.jpg');
    const secondary = fixture('gps-exif-xmp.jpg');
    const both = concatBytes(main, secondary);
    const { data, removed } = stripLocation('image/jpeg', both);
    expect(removed).toBe(true);
    // MPF indexes the extra images by byte offset, so nothing may move.
    expect(data.length).toBe(both.length);
    expect(data.subarray(0, main.length)).toEqual(main);
    const tail = data.subarray(main.length);
    await expectNoLocation(tail);
    expect(await readIfd0(tail)).toMatchObject(KEPT_IFD0);
  });
});

describe('stripLocation on a JPEG without EXIF', () => {
  test('comes back byte-identical with removed false', () => {
    const original = fixture('no-exif.jpg');
    const { data, removed } = stripLocation('image/jpeg', original);
    expect(removed).toBe(false);
    expect(data).toEqual(original);
  });

  test('a JPEG with EXIF but no GPS comes back unchanged', async () => {
    const noGps = stripLocation('image/jpeg', fixture('gps-exif-xmp.jpg')).data;
    expect(await readIfd0(noGps)).toMatchObject(KEPT_IFD0);
    const { data, removed } = stripLocation('image/jpeg', noGps);
    expect(removed).toBe(false);
    expect(data).toEqual(noGps);
  });
});

describe('stripLocation on a PNG with an eXIf chunk and XMP', () => {
  const original = fixture('gps-exif-xmp.png');

  test('the fixture really carries a location, in little-endian EXIF and in XMP', async () => {
    await expectLocationBefore(original);
    expect(original.subarray(indexOf(original, 'eXIf') + 4, indexOf(original, 'eXIf') + 8)).toEqual(ascii('II*\0'));
    expect(contains(original, 'XML:com.adobe.xmp')).toBe(true);
  });

  test('no reader finds a location afterwards; orientation, make and model survive', async () => {
    const { data, removed } = stripLocation('image/png', original);
    expect(removed).toBe(true);
    await expectNoLocation(data);
    expect(await readIfd0(data)).toMatchObject(KEPT_IFD0);
  });

  test('every chunk CRC is valid afterwards', () => {
    const { data } = stripLocation('image/png', original);
    for (const chunk of pngChunks(data)) expect({ type: chunk.type, crc: chunk.crc }).toEqual({ type: chunk.type, crc: pngCrc(chunk.type, chunk.data) });
  });

  test('only the XMP chunk goes; eXIf keeps its length and the pixels are untouched', () => {
    const { data } = stripLocation('image/png', original);
    const before = pngChunks(original);
    const after = pngChunks(data);
    expect(after.map((c) => c.type)).toEqual(before.filter((c) => c.type !== 'iTXt').map((c) => c.type));
    const exif = (chunks: typeof before) => chunks.find((c) => c.type === 'eXIf')?.data.length;
    expect(exif(after)).toBe(exif(before));
    const idat = (chunks: typeof before) => chunks.filter((c) => c.type === 'IDAT').map((c) => c.data);
    expect(idat(after)).toEqual(idat(before));
    // The plain text chunks (Make, Model) are not location and stay.
    expect(after.filter((c) => c.type === 'tEXt')).toHaveLength(2);
  });

  test('is idempotent', () => {
    const once = stripLocation('image/png', original).data;
    const twice = stripLocation('image/png', once);
    expect(twice.removed).toBe(false);
    expect(twice.data).toEqual(once);
  });

  test('a PNG labelled as JPEG is stripped as the PNG it is', async () => {
    const { data, removed } = stripLocation('image/jpeg', original);
    expect(removed).toBe(true);
    await expectNoLocation(data);
    for (const chunk of pngChunks(data)) expect(chunk.crc).toBe(pngCrc(chunk.type, chunk.data));
  });

  test('an eXIf chunk that (wrongly) starts with "Exif\\0\\0" is handled too', async () => {
    const chunks = pngChunks(original);
    const rebuilt = concatBytes(
      original.subarray(0, 8),
      ...chunks.map((c) =>
        c.type === 'eXIf' ? pngChunk('eXIf', concatBytes(ascii('Exif\0\0'), c.data)) : pngChunk(c.type, c.data),
      ),
    );
    const { data, removed } = stripLocation('image/png', rebuilt);
    expect(removed).toBe(true);
    for (const sentinel of GPS_SENTINELS) expect(contains(data, sentinel)).toBe(false);
    for (const chunk of pngChunks(data)) expect(chunk.crc).toBe(pngCrc(chunk.type, chunk.data));
  });

  test('an XMP packet in a chunk whose type or keyword is damaged still goes (packet scanners find it)', () => {
    const chunks = pngChunks(original);
    const rebuilt = concatBytes(
      original.subarray(0, 8),
      ...chunks.map((c) => pngChunk(c.type === 'iTXt' ? 'iTXx' : c.type, c.data)),
    );
    const { data, removed } = stripLocation('image/png', rebuilt);
    expect(removed).toBe(true);
    expect(pngChunks(data).map((c) => c.type)).not.toContain('iTXx');
    expect(contains(data, 'GPSLatitude')).toBe(false);
  });

  test('ImageMagick-style "Raw profile type exif" text chunks go; other text chunks stay', () => {
    const [ihdr, ...rest] = pngChunks(original).map((c) => original.subarray(c.start, c.start + 12 + c.data.length));
    if (!ihdr) throw new Error('unreachable');
    const rawProfile = pngChunk('zTXt', concatBytes(ascii('Raw profile type exif\0\0'), Uint8Array.of(0x78, 0x9c, 3, 0, 0, 0, 0, 1)));
    const comment = pngChunk('tEXt', ascii('Comment\0a day at the zoo'));
    const withRaw = concatBytes(original.subarray(0, 8), ihdr, rawProfile, comment, ...rest);
    const { data, removed } = stripLocation('image/png', withRaw);
    expect(removed).toBe(true);
    const stripped = stripLocation('image/png', original).data;
    expect(data).toEqual(concatBytes(stripped.subarray(0, 8 + ihdr.length), comment, stripped.subarray(8 + ihdr.length)));
  });
});

describe('stripLocation on a HEIC with an Exif item and an XMP item', () => {
  const original = fixture('gps-exif-xmp.heic');
  // From `exiftool -v3 gps-exif-xmp.heic` (see test/fixtures/README.md): item 3 is Exif at
  // 0x250 (0x18c bytes), item 4 the XMP at 0x3dc (0xb25 bytes), item 1 the coded image at 0xf01.
  const EXIF_ITEM = [0x250, 0x250 + 0x18c] as const;
  const XMP_ITEM = [0x3dc, 0x3dc + 0xb25] as const;

  test('the fixture really carries a location, in EXIF and in XMP', async () => {
    await expectLocationBefore(original);
    expect(contains(original.subarray(...XMP_ITEM), 'exif:GPSLatitude')).toBe(true);
    expect(original.subarray(EXIF_ITEM[0] + 4, EXIF_ITEM[0] + 14)).toEqual(ascii('Exif\0\0MM\0*'));
  });

  test('no reader finds a location afterwards; orientation, make and model survive', async () => {
    const { data, removed } = stripLocation('image/heic', original);
    expect(removed).toBe(true);
    await expectNoLocation(data);
    expect(await readIfd0(data)).toMatchObject(KEPT_IFD0);
  });

  test('edits in place: same length, and only the Exif and XMP items change', () => {
    const { data } = stripLocation('image/heic', original);
    expect(data.length).toBe(original.length);
    const changed = [...data.keys()].filter((i) => data[i] !== original[i]);
    expect(changed.length).toBeGreaterThan(0);
    const inItems = (i: number) => (i >= EXIF_ITEM[0] && i < EXIF_ITEM[1]) || (i >= XMP_ITEM[0] && i < XMP_ITEM[1]);
    expect(changed.filter((i) => !inItems(i))).toEqual([]);
  });

  test('the XMP item becomes an empty, well-formed packet of the same length', () => {
    const { data } = stripLocation('image/heic', original);
    const packet = Buffer.from(data.subarray(...XMP_ITEM)).toString('latin1');
    expect(packet).toMatch(/^<\?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"\?><x:xmpmeta xmlns:x="adobe:ns:meta\/"\/> +<\?xpacket end="w"\?>$/);
  });

  test('is idempotent', () => {
    const once = stripLocation('image/heic', original).data;
    const twice = stripLocation('image/heic', once);
    expect(twice.removed).toBe(false);
    expect(twice.data).toEqual(once);
  });

  test('does not modify the input array', () => {
    const copy = original.slice();
    stripLocation('image/heic', copy);
    expect(copy).toEqual(original);
  });
});

describe('stripLocation on videos', () => {
  test.each(['video/mp4', 'video/quicktime'] as const)('%s comes back unchanged with removed false (not handled)', (type) => {
    const video = concatBytes(
      ftyp(type === 'video/mp4' ? 'isom' : 'qt  ', 'isom'),
      box('moov', box('udta', box('\xa9xyz', ascii('+52.0907+005.1214/')))),
    );
    const result = stripLocation(type, video);
    expect(result.removed).toBe(false);
    expect(result.data).toBe(video);
  });
});
