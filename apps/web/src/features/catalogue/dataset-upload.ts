import { Zip, ZipPassThrough } from 'fflate';
import { Upload } from 'tus-js-client';

/** What the file input accepts: the archive formats the API reads. */
export const ARCHIVE_ACCEPT = '.zip,.tar,.tar.gz,.tgz';

/**
 * Bytes per PATCH request. Large enough that a 2 GiB archive is ~256 requests, small enough that
 * an interrupted request costs little to send again.
 */
export const UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;

export function isArchiveName(name: string): boolean {
  const lower = name.toLowerCase();
  return ARCHIVE_ACCEPT.split(',').some((extension) => lower.endsWith(extension));
}

export interface FolderEntry {
  /** Path inside the archive: `<class>/<image>`. */
  path: string;
  file: Blob;
}

/**
 * The files of a picked folder as archive entries. The browser names them from the picked folder
 * (`pets/cat/1.png`); that folder itself is dropped so the classes sit at the archive's root, as
 * the API expects. Hidden files (`.DS_Store`, `._x`) are left out.
 */
export function folderEntries(
  files: ArrayLike<File & { webkitRelativePath?: string }>,
): FolderEntry[] {
  const entries: FolderEntry[] = [];
  for (const file of Array.from(files)) {
    const parts = (file.webkitRelativePath || file.name).split('/').filter(Boolean);
    const inside = parts.length > 1 ? parts.slice(1) : parts;
    if (inside.some((part) => part.startsWith('.'))) continue;
    entries.push({ path: inside.join('/'), file });
  }
  return entries.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Packs entries into one zip on the client, stored without compression (images are compressed
 * already, and deflating them would only cost time). Files are read one at a time, so only the
 * zip's own bytes are held, as Blob parts the browser may keep on disk.
 */
export function packFolder(
  entries: FolderEntry[],
  onProgress?: (packed: number, total: number) => void,
): Promise<Blob> {
  return new Promise((resolve, reject) => {
    const parts: Uint8Array<ArrayBuffer>[] = [];
    const zip = new Zip((error, chunk, final) => {
      if (error) return reject(error);
      parts.push(chunk as Uint8Array<ArrayBuffer>);
      if (final) resolve(new Blob(parts, { type: 'application/zip' }));
    });
    void (async () => {
      try {
        for (const [index, entry] of entries.entries()) {
          const file = new ZipPassThrough(entry.path);
          zip.add(file);
          file.push(new Uint8Array(await entry.file.arrayBuffer()), true);
          onProgress?.(index + 1, entries.length);
        }
        zip.end();
      } catch (error) {
        zip.terminate();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    })();
  });
}

export interface UploadArchiveOptions {
  /** The tus endpoint, absolute (this origin's `/uploads`). */
  endpoint: string;
  teamId: string;
  filename: string;
  onProgress?: (sent: number, total: number) => void;
  chunkSize?: number;
}

/**
 * Sends an archive with the tus protocol, in chunks, resuming an earlier upload of the same file
 * (same name, size and date, remembered by the browser) where it stopped. Resolves with the
 * upload's id: the last path segment of its URL, which `createDatasetFromUpload` takes.
 */
export function uploadArchive(file: File, options: UploadArchiveOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const upload = new Upload(file, {
      endpoint: options.endpoint,
      chunkSize: options.chunkSize ?? UPLOAD_CHUNK_BYTES,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      metadata: { teamId: options.teamId, filename: options.filename },
      removeFingerprintOnSuccess: true,
      onProgress: options.onProgress,
      onError: (error) => reject(new Error(uploadErrorMessage(error))),
      onSuccess: () => {
        const id = upload.url?.split('/').filter(Boolean).at(-1);
        if (id) resolve(id);
        else reject(new Error('the server did not name the upload'));
      },
    });
    void upload.findPreviousUploads().then(
      (previous) => {
        if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
        upload.start();
      },
      () => upload.start(),
    );
  });
}

/**
 * The API's own words for a refused upload (a GraphQL-style `{ errors: [{ message }] }` body or
 * plain text), else tus-js-client's.
 */
export function uploadErrorMessage(error: Error): string {
  const body = (
    error as { originalResponse?: { getBody(): string } | null }
  ).originalResponse?.getBody();
  if (body) {
    try {
      const parsed = JSON.parse(body) as { errors?: { message?: string }[]; message?: string };
      const message = parsed.errors?.[0]?.message ?? parsed.message;
      if (message) return message;
    } catch {
      if (body.trim()) return body.trim();
    }
  }
  return error.message;
}
