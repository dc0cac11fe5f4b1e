/**
 * Small pictures of a seed's test images, in test-set order (index i is the i-th test image, as in
 * run-predictions.ts), for the dashboard's fixed/broken gallery. The trainer uploads them with each
 * run (artifact TEST_THUMBNAILS_FILE); bounded to MAX_THUMBNAILS images of at most
 * THUMBNAIL_MAX_SIDE pixels a side (≤ 6 MB), so a large test set costs a bounded file and the
 * gallery shows the first MAX_THUMBNAILS images' pictures.
 *
 * Binary: "TLTH", version 1, height, width, channels (u8 each), count (u32 LE), then count images
 * of height × width × channels bytes (row-major, channels last).
 */
export const TEST_THUMBNAILS_FILE = "test-thumbnails.bin";
export const MAX_THUMBNAILS = 2048;
export const THUMBNAIL_MAX_SIDE = 32;

export interface TestThumbnails {
  height: number;
  width: number;
  channels: 1 | 3;
  count: number;
  pixels: Uint8Array;
}

const MAGIC = [0x54, 0x4c, 0x54, 0x48]; // "TLTH"
const HEADER = 12;

/**
 * Thumbnails of `count` images (float, channels last, any value range): each image is scaled down
 * by block averaging to at most THUMBNAIL_MAX_SIDE a side and stretched to 0..255 by its own
 * minimum and maximum, which undoes any affine input preprocessing (a per-channel mean/std shifts
 * colours a little; thumbnails only need to be recognisable).
 */
export function makeThumbnails(
  xs: Float32Array,
  shape: readonly [number, number, number],
  count: number,
): TestThumbnails {
  const [h, w, c] = shape;
  if (c !== 1 && c !== 3) throw new RangeError(`makeThumbnails: ${c} channels (1 or 3 allowed)`);
  const step = Math.max(1, Math.ceil(Math.max(h, w) / THUMBNAIL_MAX_SIDE));
  const th = Math.floor(h / step);
  const tw = Math.floor(w / step);
  const n = Math.min(count, MAX_THUMBNAILS);
  const pixels = new Uint8Array(n * th * tw * c);
  const block = new Float32Array(th * tw * c);
  for (let k = 0; k < n; k++) {
    const base = k * h * w * c;
    block.fill(0);
    for (let y = 0; y < th * step; y++)
      for (let x = 0; x < tw * step; x++)
        for (let ch = 0; ch < c; ch++)
          block[(Math.floor(y / step) * tw + Math.floor(x / step)) * c + ch]! +=
            xs[base + (y * w + x) * c + ch]!;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of block) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const range = hi - lo || 1;
    const out = k * th * tw * c;
    for (let i = 0; i < block.length; i++)
      pixels[out + i] = Math.round((255 * (block[i]! - lo)) / range);
  }
  return { height: th, width: tw, channels: c, count: n, pixels };
}

export function encodeThumbnails(t: TestThumbnails): Uint8Array {
  const bytes = new Uint8Array(HEADER + t.pixels.length);
  const view = new DataView(bytes.buffer);
  for (const [i, b] of MAGIC.entries()) view.setUint8(i, b);
  view.setUint8(4, 1);
  view.setUint8(5, t.height);
  view.setUint8(6, t.width);
  view.setUint8(7, t.channels);
  view.setUint32(8, t.count, true);
  bytes.set(t.pixels, HEADER);
  return bytes;
}

export function decodeThumbnails(bytes: Uint8Array): TestThumbnails {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < HEADER || MAGIC.some((b, i) => view.getUint8(i) !== b))
    throw new Error("thumbnails file: not a Transfer Lab thumbnails file (no TLTH header)");
  if (view.getUint8(4) !== 1)
    throw new Error(`thumbnails file: version ${view.getUint8(4)} is not supported (1 is)`);
  const height = view.getUint8(5);
  const width = view.getUint8(6);
  const channels = view.getUint8(7);
  const count = view.getUint32(8, true);
  if (channels !== 1 && channels !== 3)
    throw new Error(`thumbnails file: ${channels} channels (1 or 3 allowed)`);
  if (bytes.byteLength !== HEADER + count * height * width * channels)
    throw new Error("thumbnails file: its size does not match its header");
  return { height, width, channels, count, pixels: bytes.subarray(HEADER) };
}
