import { zipSync } from 'fflate';
import sharp from 'sharp';

const COLOURS: Record<string, [number, number, number]> = {
  red: [220, 30, 30],
  blue: [30, 60, 220],
  green: [30, 180, 60],
};

/**
 * A zip of `<class>/<n>.png` images generated here (16 × 16, the class's colour with a different
 * shade per image), `counts` images per class: what a user would upload, made without any file.
 */
export async function imageArchive(counts: Record<string, number>): Promise<Buffer> {
  const entries: Record<string, Uint8Array> = {};
  for (const [className, count] of Object.entries(counts)) {
    const [r, g, b] = COLOURS[className] ?? [128, 128, 128];
    for (let index = 0; index < count; index += 1) {
      const shade = index * 4;
      entries[`${className}/${index}.png`] = await sharp({
        create: {
          width: 16,
          height: 16,
          channels: 3,
          background: { r: r - shade, g, b: b - shade },
        },
      })
        .png()
        .toBuffer();
    }
  }
  return Buffer.from(zipSync(entries, { level: 0 }));
}
