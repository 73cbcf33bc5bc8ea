import { ErrorCode } from '@finetrack/shared';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { artifactKey } from '../../common/artifact-key.js';
import { actorFor, type Actor } from '../../common/actor.js';
import { SESSION_COOKIE } from '../../common/credentials.js';
import type { Config } from '../../config.js';
import { AppError, httpStatusFor } from '../../graphql/errors.js';
import type { Services } from '../../services.js';
import { StorageFullError, TooLargeError, type ArtifactStore } from './artifact-store.js';

const sendError = (reply: FastifyReply, status: number, code: string, message: string) =>
  reply.code(status).send({ errors: [{ message, extensions: { code } }] });

/** Reads and discards what is left of `body`; past `maxBytes` it is destroyed instead. */
async function dropRest(body: Readable, maxBytes: number): Promise<void> {
  let read = 0;
  body.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read > maxBytes) body.destroy();
  });
  body.resume();
  await finished(body).catch(() => undefined);
}

/**
 * `PUT /artifacts/:id` and `GET /artifacts/:id`, authenticated like GraphQL (Bearer token or the
 * session cookie) and scoped to the caller's teams: an artifact out of reach answers 404. A
 * database that could not be reached answers 503 with Retry-After (the server's error handler);
 * a full artifact store answers 507 INSUFFICIENT_STORAGE.
 */
export async function artifactRoutes(
  app: FastifyInstance,
  options: { services: Services; store: ArtifactStore; config: Config },
): Promise<void> {
  const { services, store, config } = options;
  /** Uploads in progress in this process; a second concurrent PUT of one artifact gets 409. */
  const uploading = new Set<string>();

  // The body is streamed by the handler, never buffered (and so not subject to bodyLimit).
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

  app.put<{ Params: { id: string } }>('/artifacts/:id', async (request, reply) => {
    const body = request.body as Readable;
    let artifact;
    try {
      artifact = await services.artifacts.authorize(
        await actorOf(request),
        request.params.id,
        'upload',
      );
    } catch (error) {
      body.resume();
      return fail(reply, error);
    }
    const result = { id: artifact.id, byteSize: artifact.byteSize, sha256: artifact.sha256 };
    if (artifact.status === 'stored') {
      body.resume();
      return reply.code(200).send(result);
    }
    const declared = request.headers['content-length'];
    if (declared !== undefined && Number(declared) > config.artifactMaxBytes) {
      body.resume();
      return sendError(reply, 413, ErrorCode.BadUserInput, 'the artifact is over the size limit');
    }
    if (declared !== undefined && Number(declared) !== artifact.byteSize) {
      body.resume();
      return sendError(
        reply,
        400,
        ErrorCode.BadUserInput,
        `Content-Length ${declared} is not the announced ${artifact.byteSize} bytes`,
      );
    }
    if (uploading.has(artifact.id)) {
      body.resume();
      return sendError(reply, 409, ErrorCode.Conflict, 'this artifact is being uploaded');
    }
    uploading.add(artifact.id);
    try {
      let staged;
      try {
        staged = await store.stage(
          artifactKey(artifact),
          body,
          Math.min(artifact.byteSize, config.artifactMaxBytes),
        );
      } catch (error) {
        if (error instanceof StorageFullError) {
          // An operator's problem, not the caller's: it does not heal until space is freed.
          request.log.error(
            { artifact: artifact.id, code: error.code, byteSize: artifact.byteSize },
            'artifact store full: upload refused, nothing kept',
          );
          // Read (and drop) the rest of the upload first, up to the announced size: a client
          // still sending does not read an early answer, and would see a reset connection.
          await dropRest(body, artifact.byteSize);
          reply.header('connection', 'close');
          return sendError(
            reply,
            httpStatusFor(ErrorCode.InsufficientStorage),
            ErrorCode.InsufficientStorage,
            `the artifact store is full: no room for ${artifact.byteSize} bytes (${error.code}); nothing was kept, upload again once space is freed`,
          );
        }
        body.destroy();
        if (error instanceof TooLargeError) {
          reply.header('connection', 'close');
          return sendError(reply, 400, ErrorCode.BadUserInput, 'more bytes than announced');
        }
        // The client went away halfway: nothing was kept, the artifact stays pending.
        request.log.info({ artifact: artifact.id }, 'artifact upload cut off');
        return reply.code(400).send();
      }
      if (staged.byteSize !== artifact.byteSize || staged.sha256 !== artifact.sha256) {
        await staged.discard();
        return sendError(
          reply,
          400,
          ErrorCode.BadUserInput,
          `received ${staged.byteSize} bytes with sha256 ${staged.sha256}; announced ${artifact.byteSize} bytes with sha256 ${artifact.sha256}`,
        );
      }
      await staged.commit();
      if (!(await services.artifacts.markStored(artifact))) return reply.code(200).send(result);
      return reply.code(201).send(result);
    } finally {
      uploading.delete(artifact.id);
    }
  });

  app.get<{ Params: { id: string } }>('/artifacts/:id', async (request, reply) => {
    let artifact;
    try {
      artifact = await services.artifacts.authorize(
        await actorOf(request),
        request.params.id,
        'download',
      );
    } catch (error) {
      return fail(reply, error);
    }
    const object = await store.open(artifactKey(artifact));
    if (!object) return sendError(reply, 404, ErrorCode.NotFound, 'artifact file is missing');
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-length', String(object.byteSize))
      .header('etag', `"${artifact.sha256}"`)
      .header('content-disposition', `attachment; filename="${artifact.fileName}"`)
      .send(object.stream);
  });
}
