import fc from 'fast-check';
import { stripLocation } from '../../../functions/media/metadata';
import type { MediaContentType } from '../../../functions/media/sniff';
import { concatBytes, exifSegment, fixture, ftyp, pngChunks, readLocation } from './media-helpers';

const TYPES: MediaContentType[] = ['image/jpeg', 'image/png', 'image/heic', 'video/mp4', 'video/quicktime'];
const SOI = Uint8Array.of(0xff, 0xd8);
const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** Random bytes behind a real file opening, with marker-like bytes made likely so the walkers go deep. */
const tails = fc.array(
  fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(0xff, 0xe1, 0xd8, 0xda, 0xd9, 0x00),
    fc.constantFrom(...'Exif\0\0MM\0*II*\0eXIftEXtiTXtmetailociinfinfe'.split('').map((c) => c.charCodeAt(0))),
  ),
  { maxLength: 600 },
).map((bytes) => Uint8Array.from(bytes));

const openings = fc.constantFrom(SOI, PNG_SIGNATURE, ftyp('heic', 'mif1', 'heic'), new Uint8Array(0));

describe('stripLocation properties', () => {
  test('never throws on random bytes behind a JPEG SOI, a PNG signature or an ftyp, whatever the label', () => {
    fc.assert(
      fc.property(openings, tails, fc.constantFrom(...TYPES), (opening, tail, type) => {
        const input = concatBytes(opening, tail);
        const copy = input.slice();
        const { data, removed } = stripLocation(type, input);
        expect(data).toBeInstanceOf(Uint8Array);
        expect(input).toEqual(copy); // the input is never modified
        if (!removed) expect(data).toEqual(input);
      }),
      { numRuns: 2000 },
    );
  });

  test('random bytes spliced into a real file never throw either', () => {
    const files = [fixture('gps-exif-xmp.jpg'), fixture('gps-exif-xmp.png'), fixture('gps-exif-xmp.heic')];
    fc.assert(
      fc.property(
        fc.constantFrom(...files),
        fc.nat(),
        fc.uint8Array({ minLength: 1, maxLength: 16 }),
        fc.constantFrom(...TYPES),
        (file, position, bytes, type) => {
          const damaged = file.slice();
          damaged.set(bytes.subarray(0, damaged.length), Math.min(position % file.length, damaged.length - bytes.length));
          expect(() => stripLocation(type, damaged)).not.toThrow();
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('any damage to the EXIF of the JPEG still leaves no location a reader can find', async () => {
    const original = fixture('gps-exif-xmp.jpg');
    const segment = exifSegment(original);
    if (!segment) throw new Error('fixture has no EXIF segment');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: segment.payload + 6, max: segment.end - 1 }), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        async (edits) => {
          const damaged = original.slice();
          for (const [at, value] of edits) damaged[at] = value;
          const { data } = stripLocation('image/jpeg', damaged);
          const { gps, gpsTags } = await readLocation(data);
          expect(gps).toBeUndefined();
          expect(gpsTags.filter((tag) => /latitude|longitude/i.test(tag))).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('any damage to the EXIF of the PNG leaves no readable location and valid chunks', async () => {
    const original = fixture('gps-exif-xmp.png');
    const chunk = pngChunks(original).find((c) => c.type === 'eXIf');
    if (!chunk) throw new Error('fixture has no eXIf chunk');
    const [from, to] = [chunk.start + 8, chunk.start + 8 + chunk.data.length - 1];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: from, max: to }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        async (edits) => {
          const damaged = original.slice();
          for (const [at, value] of edits) damaged[at] = value;
          const { data } = stripLocation('image/png', damaged);
          const { gps, gpsTags } = await readLocation(data);
          expect(gps).toBeUndefined();
          expect(gpsTags.filter((tag) => /latitude|longitude/i.test(tag))).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('stripping twice is the same as stripping once', () => {
    const files = [fixture('gps-exif-xmp.jpg'), fixture('gps-exif-xmp.png'), fixture('gps-exif-xmp.heic')];
    fc.assert(
      fc.property(fc.constantFrom(...files), fc.nat(), fc.integer({ min: 0, max: 255 }), (file, position, value) => {
        const damaged = file.slice();
        damaged[position % file.length] = value;
        const type = file === files[0] ? 'image/jpeg' : file === files[1] ? 'image/png' : 'image/heic';
        const once = stripLocation(type, damaged).data;
        const twice = stripLocation(type, once);
        expect(twice.data).toEqual(once);
        expect(twice.removed).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
