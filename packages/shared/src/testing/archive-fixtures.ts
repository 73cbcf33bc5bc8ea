import { crc32, deflateSync, gzipSync } from 'node:zlib';
import { zipSync, type Zippable } from 'fflate';
import * as tarStream from 'tar-stream';

/**
 * A real, decodable RGB PNG of `width` × `height` filled with one colour, written by hand from
 * the PNG specification so that tests need no image library to make their data.
 */
export function pngBytes(width = 8, height = 8, rgb: [number, number, number] = [200, 30, 30]) {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array(width).fill(rgb).flat())]);
  const pixels = Buffer.concat(Array(height).fill(row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** One entry of a generated archive: a file (bytes), a folder, or a link or device to refuse. */
export interface FixtureEntry {
  name: string;
  bytes?: Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo';
  linkname?: string;
}

const UNIX_MODE: Record<NonNullable<FixtureEntry['type']>, number> = {
  file: 0o100644,
  directory: 0o040755,
  symlink: 0o120777,
  link: 0o100644,
  'character-device': 0o020644,
  fifo: 0o010644,
};

/** A zip with the given entries, names taken as they are (fflate checks none). */
export function makeZip(entries: FixtureEntry[], level: 0 | 6 | 9 = 6): Buffer {
  const files: Zippable = {};
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const bytes = type === 'symlink' ? Buffer.from(entry.linkname ?? '/etc/passwd') : entry.bytes;
    files[entry.name] = [
      new Uint8Array(bytes ?? Buffer.alloc(0)),
      // Made by Unix (3), with the file type in the high 16 bits of the external attributes.
      { level, os: 3, attrs: (UNIX_MODE[type] << 16) >>> 0 },
    ];
  }
  return Buffer.from(zipSync(files));
}

/** A tar (gzipped when asked) with the given entries, made by tar-stream. */
export async function makeTar(entries: FixtureEntry[], gzip = false): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk) => void chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const header: Partial<tarStream.Header> & { name: string } = {
      name: entry.name,
      type,
      ...(entry.linkname ? { linkname: entry.linkname } : {}),
    };
    await new Promise<void>((resolve, reject) =>
      pack.entry(header as tarStream.Header, type === 'file' ? (entry.bytes ?? '') : '', (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }
  pack.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  return gzip ? gzipSync(tar) : tar;
}

/** A valid dataset: `classes` folders of `perClass` distinct PNGs each, under `root` if given. */
export function datasetEntries(classes = ['cat', 'dog'], perClass = 3, root = ''): FixtureEntry[] {
  const prefix = root === '' ? '' : `${root}/`;
  return classes.flatMap((className, classIndex) =>
    Array.from({ length: perClass }, (_, index) => ({
      name: `${prefix}${className}/${index}.png`,
      bytes: pngBytes(8, 8, [(classIndex * 80) % 256, (index * 40) % 256, 90]),
    })),
  );
}
