import fc from 'fast-check';
import { SNIFF_BYTES, sniffContentType } from '../../../functions/media/sniff';
import { ascii, box, concatBytes, fixture, ftyp } from './media-helpers';

describe('sniffContentType: the file type from the first bytes', () => {
  test.each([
    ['gps-exif-xmp.jpg', 'image/jpeg'],
    ['no-exif.jpg', 'image/jpeg'],
    ['gps-exif-xmp.png', 'image/png'],
    ['gps-exif-xmp.heic', 'image/heic'],
  ])('recognises the real fixture %s as %s', (name, expected) => {
    expect(sniffContentType(fixture(name))).toBe(expected);
  });

  test('needs no more than SNIFF_BYTES of a file', () => {
    expect(SNIFF_BYTES).toBe(64);
    for (const name of ['gps-exif-xmp.jpg', 'gps-exif-xmp.png', 'gps-exif-xmp.heic']) {
      const data = fixture(name);
      expect(sniffContentType(data.subarray(0, SNIFF_BYTES))).toBe(sniffContentType(data));
    }
  });

  test('a PNG declared as a JPEG is still a PNG: the bytes decide, not the label', () => {
    const png = fixture('gps-exif-xmp.png');
    expect(sniffContentType(png)).toBe('image/png');
  });

  test.each([
    ['heic', ['mif1', 'heic']],
    ['heix', ['mif1', 'heix']],
    ['heim', []],
    ['heis', []],
    ['hevc', ['msf1']],
    ['hevx', []],
    ['mif1', ['heic']],
    ['msf1', []],
  ])('an ftyp with major brand %s is HEIC', (major, compatible) => {
    expect(sniffContentType(ftyp(major, ...compatible))).toBe('image/heic');
  });

  test('an unknown major brand with a HEIC compatible brand is HEIC', () => {
    expect(sniffContentType(ftyp('abcd', 'xxxx', 'heic'))).toBe('image/heic');
  });

  test.each(['isom', 'iso2', 'iso4', 'iso6', 'mp41', 'mp42', 'avc1', 'M4V ', 'dash', '3gp4', '3gp5'])(
    'an ftyp with video brand %j is MP4',
    (major) => {
      expect(sniffContentType(ftyp(major, 'isom'))).toBe('video/mp4');
    },
  );

  test('a real-looking MP4 header (ftyp then moov) is MP4', () => {
    const head = concatBytes(ftyp('isom', 'isom', 'iso2', 'avc1', 'mp41'), box('free'), box('mdat', new Uint8Array(40)));
    expect(sniffContentType(head)).toBe('video/mp4');
  });

  test('QuickTime: major brand "qt  "', () => {
    expect(sniffContentType(ftyp('qt  ', 'qt  '))).toBe('video/quicktime');
  });

  test.each(['moov', 'mdat', 'wide', 'free', 'skip', 'pnot'])('QuickTime without ftyp: first atom %s', (atom) => {
    expect(sniffContentType(box(atom, new Uint8Array(16)))).toBe('video/quicktime');
  });

  test('an old QuickTime mdat with a 64-bit size (size field 1) is QuickTime', () => {
    const head = concatBytes(Uint8Array.of(0, 0, 0, 1), ascii('mdat'), new Uint8Array(16));
    expect(sniffContentType(head)).toBe('video/quicktime');
  });

  test.each([
    ['M4A (audio) even though it lists isom/mp42', ftyp('M4A ', 'M4A ', 'mp42', 'isom')],
    ['AVIF even though it lists mif1', ftyp('avif', 'avif', 'mif1', 'miaf')],
    ['an ftyp with only unknown brands', ftyp('abcd', 'efgh')],
    ['an ftyp box too short for a minor version', concatBytes(Uint8Array.of(0, 0, 0, 12), ascii('ftypheic'), new Uint8Array(8))],
    ['a first atom of unknown type', box('abcd', new Uint8Array(16))],
    ['a QuickTime atom with an impossible size', concatBytes(Uint8Array.of(0, 0, 0, 4), ascii('moov'), new Uint8Array(8))],
    ['FF D8 without the third marker byte', Uint8Array.of(0xff, 0xd8, 0x00, 0x00)],
    ['half a PNG signature', Uint8Array.of(0x89, 0x50, 0x4e, 0x47)],
    ['a GIF', ascii('GIF89a\x01\x00\x01\x00\x00\x00\x00')],
    ['a PDF', ascii('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n')],
    ['text', ascii('hello, this is not a photo at all')],
    ['nothing', new Uint8Array(0)],
  ])('refuses %s', (_label, head) => {
    expect(sniffContentType(head)).toBeUndefined();
  });

  test('looks at no byte past SNIFF_BYTES', () => {
    // A compatible brand that only appears after byte 64 must not count.
    const brands = Array.from({ length: 14 }, () => 'abcd');
    const head = ftyp('abcd', ...brands, 'heic');
    expect(head.length).toBeGreaterThan(SNIFF_BYTES + 4);
    expect(sniffContentType(head)).toBeUndefined();
    expect(sniffContentType(ftyp('abcd', ...brands.slice(0, 5), 'heic'))).toBe('image/heic');
  });

  test('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), (bytes) => {
        const type = sniffContentType(bytes);
        expect([undefined, 'image/jpeg', 'image/png', 'image/heic', 'video/mp4', 'video/quicktime']).toContain(type);
      }),
    );
  });
});
