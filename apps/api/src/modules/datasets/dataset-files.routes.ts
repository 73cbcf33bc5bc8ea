import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorFor } from '../../common/actor.js';
import { SESSION_COOKIE } from '../../common/credentials.js';
import { AppError, httpStatusFor } from '../../graphql/errors.js';
import type { Services } from '../../services.js';

const sendError = (reply: FastifyReply, status: number, code: string, message: string) =>
  reply.code(status).send({ errors: [{ message, extensions: { code } }] });

/**
 * `GET /dataset-files/:datasetId/archive` (the stored archive, for workers and downloads) and
 * `GET /dataset-files/:datasetId/thumbnails/:index`, readable by every reader of the team,
 * worker tokens included; another team's dataset answers 404.
 */
export async function datasetFileRoutes(
  app: FastifyInstance,
  options: { services: Services },
): Promise<void> {
  const { services } = options;
  const actorOf = async (request: FastifyRequest) =>
    actorFor(
      await services.auth.authenticate(
        request.headers.authorization,
        request.cookies[SESSION_COOKIE],
      ),
      request.ip,
    );
  const guarded =
    <P>(
      handler: (request: FastifyRequest<{ Params: P }>, reply: FastifyReply) => Promise<unknown>,
    ) =>
    async (request: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
      try {
        return await handler(request, reply);
      } catch (error) {
        if (error instanceof AppError)
          return sendError(reply, httpStatusFor(error.code), error.code, error.message);
        throw error;
      }
    };

  app.get<{ Params: { datasetId: string } }>(
    '/dataset-files/:datasetId/archive',
    guarded<{ datasetId: string }>(async (request, reply) => {
      const dataset = await services.datasets.get(await actorOf(request), request.params.datasetId);
      const spec = dataset.spec;
      if (spec.kind !== 'archive')
        return sendError(reply, 404, 'NOT_FOUND', 'this dataset has no uploaded archive');
      const opened = await services.datasetArchives.open(dataset.teamId, spec.sha256);
      if (!opened) return sendError(reply, 404, 'NOT_FOUND', 'archive not found');
      const etag = `"${spec.sha256}"`;
      if (request.headers['if-none-match'] === etag) {
        opened.stream.destroy();
        return reply.code(304).header('etag', etag).send();
      }
      const contentType =
        spec.format === 'zip'
          ? 'application/zip'
          : spec.format === 'tar'
            ? 'application/x-tar'
            : 'application/gzip';
      return reply
        .header('content-type', contentType)
        .header('content-length', opened.byteSize)
        .header('x-content-sha256', spec.sha256)
        .header('etag', etag)
        .header('cache-control', 'private, max-age=31536000, immutable')
        .send(opened.stream);
    }),
  );

  app.get<{ Params: { datasetId: string; index: string } }>(
    '/dataset-files/:datasetId/thumbnails/:index',
    guarded<{ datasetId: string; index: string }>(async (request, reply) => {
      const dataset = await services.datasets.get(await actorOf(request), request.params.datasetId);
      const thumbnail = await services.datasets.thumbnail(dataset.id, Number(request.params.index));
      if (!thumbnail) return sendError(reply, 404, 'NOT_FOUND', 'thumbnail not found');
      return reply
        .header('content-type', thumbnail.contentType)
        .header('cache-control', 'private, max-age=86400')
        .send(thumbnail.bytes);
    }),
  );
}
