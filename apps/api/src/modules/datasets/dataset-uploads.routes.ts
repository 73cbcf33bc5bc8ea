import { ErrorCode } from '@finetrack/shared';
import { Server as TusServer } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { actorFor, type Actor } from '../../common/actor.js';
import { SESSION_COOKIE } from '../../common/credentials.js';
import type { Config } from '../../config.js';
import { AppError, httpStatusFor } from '../../graphql/errors.js';
import type { Services } from '../../services.js';
import { TeamRole } from '../teams/team-role.js';
import { HashingFileStore } from './hashing-file-store.js';
import { ownerKeyOf } from './upload-owner.js';

/** The tus upload folder: inside the artifact store's folder, so finished uploads are renamed in. */
export const uploadsDirectory = (config: Config) => path.join(config.artifactDir, '.uploads');

const HOUR_MS = 3_600_000;

const sendError = (reply: FastifyReply, status: number, code: string, message: string) =>
  reply.code(status).send({ errors: [{ message, extensions: { code } }] });

/** `Upload-Metadata`: comma-separated `key base64value` pairs (tus 1.0 creation extension). */
export function parseUploadMetadata(header: string | undefined): Map<string, string> {
  const metadata = new Map<string, string>();
  for (const pair of (header ?? '').split(',')) {
    const [key, value] = pair.trim().split(' ');
    if (key) metadata.set(key, Buffer.from(value ?? '', 'base64').toString('utf8'));
  }
  return metadata;
}

const encodeMetadata = (metadata: Map<string, string>) =>
  [...metadata].map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`).join(',');

/**
 * Resumable dataset uploads at `/uploads` (tus 1.0 through @tus/server and @tus/file-store),
 * authenticated like the artifact routes. Creating an upload needs MEMBER of the team named in
 * the metadata (`teamId`) and an `Upload-Length` within the archive limit (413 otherwise); the
 * verified team and owner are written into the upload's metadata by the server, and every later
 * request (HEAD, PATCH, DELETE) must come from that owner. When the last byte arrives the upload
 * is hashed and stored once per team; it becomes a dataset only through createDatasetFromUpload.
 * An unfinished upload can be resumed for `uploadExpiryHours` (tus `Upload-Expires`), then goes.
 */
export async function datasetUploadRoutes(
  app: FastifyInstance,
  options: { services: Services; config: Config },
): Promise<void> {
  const { services, config } = options;
  const datastore = new HashingFileStore({
    directory: uploadsDirectory(config),
    expirationPeriodInMilliseconds: config.uploadExpiryHours * HOUR_MS,
  });
  const tus = new TusServer({
    path: '/uploads',
    datastore,
    relativeLocation: true,
    maxSize: config.datasetMaxArchiveBytes,
    // Ids the server makes; clients never choose where their bytes go.
    onUploadFinish: async (_request, upload) => {
      const teamId = upload.metadata?.teamId;
      const ownerKey = upload.metadata?.ownerKey;
      if (!teamId || !ownerKey) throw { status_code: 400, body: 'upload metadata lost' };
      const size = upload.size ?? upload.offset;
      await services.datasetArchives.storeFinished(
        { uploadId: upload.id, teamId, ownerKey },
        path.join(uploadsDirectory(config), upload.id),
        size,
        datastore.takeSha256(upload.id, size),
      );
      return {};
    },
  });

  // Unfinished uploads nobody resumed within the expiry: deleted now and every hour. The store
  // makes its folder without waiting, so the first sweep makes sure it is there.
  await mkdir(uploadsDirectory(config), { recursive: true });
  const sweep = () =>
    tus
      .cleanUpExpiredUploads()
      .then((count) => count > 0 && app.log.info({ count }, 'deleted expired unfinished uploads'))
      .catch((error: unknown) => app.log.warn({ err: error }, 'sweeping expired uploads'));
  await sweep();
  const sweeper = setInterval(() => void sweep(), HOUR_MS);
  sweeper.unref();
  app.addHook('onClose', async () => clearInterval(sweeper));

  // tus reads the raw request body itself.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  const actorOf = async (request: FastifyRequest): Promise<Actor> =>
    actorFor(
      await services.auth.authenticate(
        request.headers.authorization,
        request.cookies[SESSION_COOKIE],
      ),
      request.ip,
    );

  const authorize = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    const actor = await actorOf(request);
    const ownerKey = ownerKeyOf(actor);
    if (!ownerKey) {
      sendError(reply, 401, ErrorCode.Unauthenticated, 'log in or send an API token');
      return false;
    }
    const id = (request.params as { id?: string }).id;
    if (request.method === 'OPTIONS') return true;
    if (id === undefined) {
      if (request.method !== 'POST') return true;
      const metadata = parseUploadMetadata(
        request.headers['upload-metadata'] as string | undefined,
      );
      const teamId = metadata.get('teamId') ?? '';
      if (actor.viewer?.worker) {
        sendError(reply, 403, ErrorCode.Forbidden, 'worker tokens cannot upload datasets');
        return false;
      }
      await services.access.require(actor, teamId, TeamRole.MEMBER);
      const length = Number(request.headers['upload-length']);
      if (!Number.isSafeInteger(length) || length < 0) {
        sendError(
          reply,
          400,
          ErrorCode.BadUserInput,
          'Upload-Length is required (no deferred length)',
        );
        return false;
      }
      if (length > config.datasetMaxArchiveBytes) {
        sendError(
          reply,
          413,
          ErrorCode.BadUserInput,
          `the archive is ${length} bytes; at most ${config.datasetMaxArchiveBytes} are allowed`,
        );
        return false;
      }
      metadata.set('ownerKey', ownerKey);
      // tus builds its request from the raw header list, so the verified metadata goes there.
      const encoded = encodeMetadata(metadata);
      request.raw.headers['upload-metadata'] = encoded;
      const raw = request.raw.rawHeaders;
      for (let i = 0; i < raw.length; i += 2)
        if (raw[i].toLowerCase() === 'upload-metadata') raw[i + 1] = encoded;
      return true;
    }
    const upload = await datastore.getUpload(id).catch(() => null);
    if (!upload || upload.metadata?.ownerKey !== ownerKey) {
      sendError(reply, 404, ErrorCode.NotFound, 'upload not found');
      return false;
    }
    return true;
  };

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      if (!(await authorize(request, reply))) return reply;
    } catch (error) {
      (request.body as NodeJS.ReadableStream | undefined)?.resume();
      if (error instanceof AppError)
        return sendError(reply, httpStatusFor(error.code), error.code, error.message);
      throw error;
    }
    reply.hijack();
    await tus.handle(request.raw, reply.raw);
    return reply;
  };
  app.all('/uploads', handle);
  app.all('/uploads/:id', handle);
}
