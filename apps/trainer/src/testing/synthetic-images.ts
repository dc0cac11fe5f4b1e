import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { deriveSeed, mulberry32 } from "../data/seeded-random";

/**
 * Small generated image datasets for tests: nothing is downloaded. Shapes are drawn white on
 * black with seeded jitter in position and size, then encoded with sharp.
 */

export type ShapeClass = "hbar" | "vbar" | "box";
export const SHAPE_CLASSES: ShapeClass[] = ["hbar", "vbar", "box"];

/** A size×size grey image of one shape, as raw pixels. */
export function drawShape(shape: ShapeClass, size: number, seed: number): Uint8Array {
  const random = mulberry32(seed);
  const pixels = new Uint8Array(size * size);
  const jitter = (n: number) => Math.floor(random() * n);
  const long = Math.floor(size * 0.55) + jitter(Math.floor(size * 0.2));
  const thick = Math.max(2, Math.floor(size * 0.15)) + jitter(2);
  const fill = (x0: number, y0: number, w: number, h: number) => {
    for (let y = Math.max(0, y0); y < Math.min(size, y0 + h); y++)
      for (let x = Math.max(0, x0); x < Math.min(size, x0 + w); x++)
        pixels[y * size + x] = 200 + jitter(56);
  };
  const cx = Math.floor(size / 2) + jitter(5) - 2;
  const cy = Math.floor(size / 2) + jitter(5) - 2;
  if (shape === "hbar") fill(cx - (long >> 1), cy - (thick >> 1), long, thick);
  else if (shape === "vbar") fill(cx - (thick >> 1), cy - (long >> 1), thick, long);
  else {
    const side = Math.floor(long * 0.7);
    fill(cx - (side >> 1), cy - (side >> 1), side, thick);
    fill(cx - (side >> 1), cy + (side >> 1) - thick, side, thick);
    fill(cx - (side >> 1), cy - (side >> 1), thick, side);
    fill(cx + (side >> 1) - thick, cy - (side >> 1), thick, side);
  }
  return pixels;
}

export async function encodeImage(
  pixels: Uint8Array,
  size: number,
  format: "png" | "jpeg",
  channels: 1 | 3 = 1,
): Promise<Buffer> {
  let raw = pixels;
  if (channels === 3) {
    raw = new Uint8Array(pixels.length * 3);
    pixels.forEach((v, i) => {
      raw.set([v, v, v], i * 3);
    });
  }
  // Grey input is written as a real one-channel image (sharp would otherwise store it as sRGB).
  const image = sharp(raw, { raw: { width: size, height: size, channels } }).toColourspace(
    channels === 1 ? "b-w" : "srgb",
  );
  return format === "png" ? image.png().toBuffer() : image.jpeg({ quality: 95 }).toBuffer();
}

/**
 * Writes `root/<class>/<i>.png|jpg` for every shape class: perClass images each, every third
 * one a JPEG. Returns the root.
 */
export async function writeShapesFolder(
  root: string,
  options: { perClass: number; size: number; seed: number },
): Promise<string> {
  for (const [c, shape] of SHAPE_CLASSES.entries()) {
    const dir = path.join(root, shape);
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < options.perClass; i++) {
      const format = i % 3 === 2 ? "jpeg" : "png";
      const pixels = drawShape(shape, options.size, deriveSeed(options.seed, c, i));
      await writeFile(
        path.join(dir, `${String(i).padStart(3, "0")}.${format === "png" ? "png" : "jpg"}`),
        await encodeImage(pixels, options.size, format),
      );
    }
  }
  return root;
}
