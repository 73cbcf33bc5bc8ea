import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import sharp from 'sharp';

const COLOURS: Record<string, [number, number, number]> = {
  red: [220, 30, 30],
  blue: [30, 60, 220],
  green: [30, 180, 60],
};

/**
 * `<class>/<n>.png` images generated here (16 × 16, the class's colour with a different shade per
 * image), `counts` images per class: what a user would upload, made without any file.
 */
async function images(counts: Record<string, number>): Promise<Record<string, Uint8Array>> {
  const entries: Record<string, Uint8Array> = {};
  for (const [className, count] of Object.entries(counts)) {
    const [r, g, b] = COLOURS[className] ?? [128, 128, 128];
    for (let index = 0; index < count; index += 1) {
      const shade = index * 4;
      const background = { r: r - shade, g, b: b - shade };
      entries[`${className}/${index}.png`] = await sharp({
        create: { width: 16, height: 16, channels: 3, background },
      })
        .png()
        .toBuffer();
    }
  }
  return entries;
}

/** The images as a zip (stored). */
export async function imageArchive(counts: Record<string, number>): Promise<Buffer> {
  return Buffer.from(zipSync(await images(counts), { level: 0 }));
}

/** The images as a folder on disk (`<folder>/<class>/<n>.png`), as a user would pick it. */
export async function imageFolder(counts: Record<string, number>): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'finetrack-e2e-images-'));
  for (const [name, bytes] of Object.entries(await images(counts))) {
    await mkdir(path.dirname(path.join(folder, name)), { recursive: true });
    await writeFile(path.join(folder, name), bytes);
  }
  return folder;
}
