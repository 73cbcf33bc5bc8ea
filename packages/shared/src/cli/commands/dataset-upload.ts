import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import * as tus from 'tus-js-client';
import { CreateDatasetFromUploadDocument } from '../../client/operations.js';
import { detectArchiveFileFormat } from '../../node/image-archive.js';
import type { CliIo, Command } from '../command.js';
import { resolveConnection } from '../config.js';
import { client } from '../connect.js';
import { usageError } from '../exit-codes.js';
import { required } from '../options.js';

type UrlStorage = NonNullable<tus.UploadOptions['urlStorage']>;
// tus-js-client's Node build stores upload URLs in a JSON file; its typings omit the class.
const { FileUrlStorage } = tus as unknown as { FileUrlStorage: new (file: string) => UrlStorage };

/** Where the URLs of unfinished uploads are kept, so that a re-run resumes them. */
function uploadStateFile(env: NodeJS.ProcessEnv): string {
  const home = env.FINETRACK_CONFIG_DIR || path.join(env.HOME || homedir(), '.config', 'finetrack');
  return path.join(home, 'uploads.json');
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Packs a folder into a tar.gz with node-tar, streaming. `portable` leaves out the owner and
 * device fields, and the entries are sorted, so the same folder packs to the same bytes and a
 * re-run after an interruption finds its unfinished upload by content hash.
 */
async function packFolder(folder: string): Promise<{ file: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'finetrack-pack-'));
  const file = path.join(dir, `${path.basename(folder) || 'dataset'}.tar.gz`);
  const entries = (await readdir(folder)).filter((name) => !name.startsWith('.')).sort();
  await tar.create({ gzip: true, portable: true, cwd: folder, file, noMtime: true }, entries);
  return { file, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

function progressBar(io: CliIo, tty: boolean) {
  let last = -1;
  return (sent: number, total: number) => {
    const percent = total === 0 ? 100 : Math.floor((sent / total) * 100);
    if (!tty || percent === last) return;
    last = percent;
    const width = 30;
    const filled = Math.round((percent / 100) * width);
    io.stderr(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${(sent / 2 ** 20).toFixed(1)}/${(total / 2 ** 20).toFixed(1)} MiB`,
    );
  };
}

export const datasetUpload: Command = {
  name: 'dataset upload',
  summary: 'upload an image folder or archive as a dataset (resumable)',
  help: `Usage: finetrack dataset upload PATH --team ID --name NAME [--validation-fraction F]
                                [--seed N] [--json]

PATH is a folder of <class>/<image>.png|jpg|jpeg (packed to a tar.gz first) or a .zip, .tar or
.tar.gz archive. The upload is resumable: run the same command again after an interruption and it
continues where it stopped. Uploading under a name the team already uses makes a new version.
Prints the dataset id; with --json the last line is one JSON object.

  --team ID                 the team that owns the dataset
  --name NAME               the dataset's name
  --validation-fraction F   share of each class that validates (default 0.2)
  --seed N                  seed of the split (default 0)
  --json                    print the dataset as JSON`,
  options: {
    team: { type: 'string' },
    name: { type: 'string' },
    'validation-fraction': { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
  positionals: [1, 1],
  async run(values, [source], io) {
    const teamId = required(values, 'team');
    const name = required(values, 'name');
    const fraction = values['validation-fraction'];
    const validationFraction = fraction === undefined ? undefined : Number(fraction);
    if (validationFraction !== undefined && !(validationFraction >= 0 && validationFraction <= 0.9))
      throw usageError('--validation-fraction must be a number from 0 to 0.9');
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (seed !== undefined && !Number.isInteger(seed))
      throw usageError('--seed must be an integer');
    const info = await stat(source).catch(() => null);
    if (!info) throw usageError(`${source}: no such file or folder`);
    const packed = info.isDirectory() ? await packFolder(source) : null;
    try {
      const file = packed?.file ?? source;
      if (!packed && (await detectArchiveFileFormat(file)) === null)
        throw usageError(`${source} is not a zip, tar or tar.gz archive (or a folder)`);
      const connection = await resolveConnection(io.env);
      const size = (await stat(file)).size;
      const hash = await sha256Of(file);
      const stateFile = uploadStateFile(io.env);
      await mkdir(path.dirname(stateFile), { recursive: true });
      const uploadUrl = await new Promise<string>((resolve, reject) => {
        const upload = new tus.Upload(createReadStream(file), {
          endpoint: `${connection.api.replace(/\/$/, '')}/uploads`,
          uploadSize: size,
          chunkSize: 16 * 1024 * 1024,
          retryDelays: [0, 1000, 3000, 5000],
          headers: { authorization: `Bearer ${connection.token}` },
          metadata: { teamId, filename: path.basename(file) },
          urlStorage: new FileUrlStorage(stateFile),
          fingerprint: async () => `finetrack-dataset:${connection.api}:${teamId}:${hash}`,
          storeFingerprintForResuming: true,
          removeFingerprintOnSuccess: true,
          onProgress: progressBar(io, Boolean(process.stderr.isTTY) && !values.json),
          onError: reject,
          onSuccess: () => resolve(upload.url!),
        });
        void upload.findPreviousUploads().then((previous) => {
          if (previous.length > 0) upload.resumeFromPreviousUpload(previous[0]);
          upload.start();
        }, reject);
      });
      if (process.stderr.isTTY && !values.json) io.stderr('\n');
      const uploadId = uploadUrl.split('/').pop()!;
      const { createDatasetFromUpload: dataset } = await client(connection, io).execute(
        CreateDatasetFromUploadDocument,
        { input: { teamId, name, uploadId, validationFraction, seed } },
      );
      if (values.json) io.stdout(`${JSON.stringify(dataset)}\n`);
      else
        io.stdout(
          `${dataset.id}\n${dataset.name} v${dataset.version}: ${dataset.classNames.length} classes, ${dataset.trainSamples} train / ${dataset.validationSamples} validation images\n`,
        );
    } finally {
      await packed?.cleanup();
    }
  },
};
