import {
  ARTIFACT_FILE_NAME_PATTERN,
  FOREIGN_SNIFF_BYTES,
  MAX_IMPORT_FILES,
  MAX_IMPORT_MODEL_JSON_BYTES,
  PREPROCESSINGS,
  type Preprocessing,
} from '@finetrack/shared';
import { ZipArchive } from 'archiver';
import Busboy from 'busboy';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Transform, type Readable } from 'node:stream';
import { artifactKey } from '../../common/artifact-key.js';
import { actorFor, type Actor } from '../../common/actor.js';
import { SESSION_COOKIE } from '../../common/credentials.js';
import type { Config } from '../../config.js';
import { AppError, badInput, httpStatusFor } from '../../graphql/errors.js';
import type { Services } from '../../services.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { ImportedFile } from './model-import.service.js';

const sendError = (reply: FastifyReply, status: number, code: string, message: string) =>
  reply.code(status).send({ errors: [{ message, extensions: { code } }] });

/** Keeps a copy of the first `limit` bytes (and, with `keepAll`, of everything) passing through. */
function tap(limit: number, keepAll: boolean) {
  const chunks: Buffer[] = [];
  let held = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (keepAll || held < limit) {
        chunks.push(chunk);
        held += chunk.length;
      }
      callback(null, chunk);
    },
  });
  const all = () => Buffer.concat(chunks);
  return { stream, head: () => all().subarray(0, limit), all };
}

/** The last segment of a browser- or CLI-sent file name (a folder pick sends `dir/model.json`). */
const baseName = (name: string) => name.split(/[/\\]/).pop() ?? name;

/**
 * `POST /models/import?teamId=…&name=…[&preprocessing=…]` with a multipart/form-data body of
 * files (model.json and its weight shards), and `GET /models/:id/download` (a zip of the model's
 * folder with finetrack.json). Authenticated like GraphQL; answers carry GraphQL error codes.
 *
 * One multipart request rather than announce-then-PUT: every file is staged while it streams
 * in, the whole set is checked together (the manifest against the shards' real sizes), and the
 * model appears with all its files in one transaction or not at all, so a half-finished import
 * never needs cleaning up or hiding from lists.
 */
export async function modelFileRoutes(
  app: FastifyInstance,
  options: { services: Services; store: ArtifactStore; config: Config },
): Promise<void> {
  const { services, store, config } = options;
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
  const fail = (reply: FastifyReply, error: unknown) => {
    if (error instanceof AppError)
      return sendError(reply, httpStatusFor(error.code), error.code, error.message);
    throw error;
  };

  app.post<{ Querystring: { teamId?: string; name?: string; preprocessing?: string } }>(
    '/models/import',
    async (request, reply) => {
      const body = request.body as Readable;
      const { teamId = '', name = '', preprocessing } = request.query;
      let actor: Actor;
      try {
        if (preprocessing && !PREPROCESSINGS.includes(preprocessing as Preprocessing))
          throw badInput(`preprocessing must be one of ${PREPROCESSINGS.join(', ')}`, {
            field: 'preprocessing',
          });
        actor = await actorOf(request);
        await services.modelImport.authorize(actor, teamId);
      } catch (error) {
        body.resume();
        return fail(reply, error);
      }
      const files: ImportedFile[] = [];
      try {
        await receiveFiles(request, body, files);
        const model = await services.modelImport.import(actor, {
          teamId,
          name,
          preprocessing: (preprocessing as Preprocessing | undefined) ?? null,
          files,
        });
        return reply.code(201).send({
          id: model.id,
          name: model.name,
          kind: model.kind,
          inputShape: model.inputShape,
          preprocessing: model.preprocessing,
          totalParams: model.totalParams,
        });
      } catch (error) {
        await Promise.all(files.map((file) => file.staged.discard()));
        body.resume();
        return fail(reply, error);
      }
    },
  );

  /** Stages every file of the multipart body under a fresh artifact id of the team. */
  async function receiveFiles(request: FastifyRequest, body: Readable, files: ImportedFile[]) {
    const teamId = (request.query as { teamId: string }).teamId;
    let parser: Busboy.Busboy;
    try {
      parser = Busboy({
        headers: request.headers,
        limits: { files: MAX_IMPORT_FILES, fileSize: config.artifactMaxBytes, fields: 0 },
      });
    } catch {
      throw badInput('send the files as multipart/form-data');
    }
    const staging: Promise<void>[] = [];
    let problem: AppError | null = null;
    parser.on('file', (_field, stream, info) => {
      const fileName = baseName(info.filename ?? '');
      if (problem || !ARTIFACT_FILE_NAME_PATTERN.test(fileName)) {
        problem ??= badInput(`"${fileName}" is not a plain file name`, { field: fileName });
        stream.resume();
        return;
      }
      const isModelJson = fileName === 'model.json';
      const copy = tap(FOREIGN_SNIFF_BYTES, isModelJson);
      const artifactId = services.modelImport.newArtifactId();
      const limit = isModelJson ? MAX_IMPORT_MODEL_JSON_BYTES : config.artifactMaxBytes;
      staging.push(
        store
          .stage(artifactKey({ teamId, id: artifactId }), stream.pipe(copy.stream), limit)
          .then((staged) => {
            files.push({
              artifactId,
              fileName,
              staged,
              head: copy.head(),
              content: isModelJson ? copy.all() : undefined,
            });
            if ((stream as { truncated?: boolean }).truncated)
              problem ??= badInput(`${fileName} is over the size limit`, { field: fileName });
          })
          .catch(() => {
            stream.resume();
            problem ??= badInput(`${fileName} is over the size limit or was cut off`, {
              field: fileName,
            });
          }),
      );
    });
    parser.on('filesLimit', () => {
      problem ??= badInput(`an import holds at most ${MAX_IMPORT_FILES} files`);
    });
    await new Promise<void>((resolve, reject) => {
      parser.on('close', resolve);
      parser.on('error', () => reject(badInput('the multipart body is malformed or cut off')));
      body.on('error', () => reject(badInput('the upload was cut off')));
      body.pipe(parser);
    });
    await Promise.all(staging);
    if (problem) throw problem;
  }

  app.get<{ Params: { id: string } }>('/models/:id/download', async (request, reply) => {
    let folder;
    try {
      folder = await services.modelDownload.folder(await actorOf(request), request.params.id);
    } catch (error) {
      return fail(reply, error);
    }
    // Weights are dense floats that do not compress: store them, and stream each file in turn.
    const zip = new ZipArchive({ store: true });
    const slug = folder.model.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80) || 'model';
    void (async () => {
      for (const file of folder.files) {
        const object = await store.open(artifactKey(file));
        if (!object) {
          zip.abort();
          return;
        }
        zip.append(object.stream, { name: `${slug}/${file.fileName}` });
      }
      zip.append(JSON.stringify(folder.metadata, null, 2), { name: `${slug}/finetrack.json` });
      await zip.finalize();
    })().catch((error: Error) => zip.destroy(error));
    return reply
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="${slug}.zip"`)
      .send(zip);
  });
}
