import sharp from "sharp";
import type { ImageDecoder } from "@tlab/core/image-folder";

/**
 * PNG/JPEG decoding with sharp (libvips) for dataset imports: the dashboard's zip uploads on the
 * server and `tlab datasets add` in the CLI. The import rules themselves are in
 * @tlab/core/image-folder, which stays free of native code. EXIF orientation is applied; alpha is
 * flattened onto black.
 */
export const sharpImageDecoder: ImageDecoder = {
  async probe(bytes) {
    const meta = await sharp(bytes).metadata();
    if (meta.format !== "png" && meta.format !== "jpeg")
      throw new Error(`is ${meta.format ?? "of an unknown format"}, not PNG or JPEG`);
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    if (!width || !height) throw new Error("has no size");
    return { width, height, channels: meta.channels ?? 3 };
  },
  async decode(bytes, target) {
    let image = sharp(bytes)
      .autoOrient()
      .flatten({ background: "#000000" })
      .resize(target.width, target.height, { fit: "fill" });
    image = target.channels === 1 ? image.toColourspace("b-w") : image.toColourspace("srgb");
    const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== target.channels)
      throw new Error(`decoded to ${info.channels} channels, expected ${target.channels}`);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  },
};
