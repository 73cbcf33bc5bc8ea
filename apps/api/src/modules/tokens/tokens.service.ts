import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { TOKEN_PREFIX } from '../../common/credentials.js';
import { badInput, forbidden, notFound } from '../../graphql/errors.js';
import { applyListPage, isUuid, listPage, type Page } from '../../common/pagination.js';
import { newSecret, sha256Hex } from '../../common/secrets.js';
import type { AccessService } from '../teams/access.service.js';
import { atLeast, TeamRole, WORKER_TOKEN_MINIMUM_ROLE } from '../teams/team-role.js';
import type { AccessChanges } from '../events/access-changes.js';
import type { AuthService } from '../users/auth.service.js';
import type { Config } from '../../config.js';
import { isInstanceAdmin } from './instance-admin.js';
import { ApiToken, ApiTokenRole, CreatedApiToken } from './api-token.entity.js';
import type { CreateApiTokenInput } from './tokens.inputs.js';

export class TokensService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly auth: AuthService,
    private readonly accessChanges: AccessChanges,
    private readonly config: Config,
  ) {}

  async create(actor: Actor, input: CreateApiTokenInput): Promise<CreatedApiToken> {
    const viewer = this.access.viewer(actor);
    if (viewer.via === 'token') throw forbidden('API tokens cannot create API tokens; log in');
    const role = input.role ?? ApiTokenRole.USER;
    // A worker token without a team is an instance worker's: it serves every team, so only an
    // instance administrator makes one.
    if (
      role === ApiTokenRole.WORKER &&
      !input.teamId &&
      !(await isInstanceAdmin(this.dataSource, this.config, viewer.userId))
    )
      throw forbidden(
        'only instance administrators (FINETRACK_ADMIN_EMAILS) create instance worker tokens; give teamId for a team worker',
      );
    if (input.teamId)
      await this.access.require(
        actor,
        input.teamId,
        role === ApiTokenRole.WORKER ? WORKER_TOKEN_MINIMUM_ROLE : TeamRole.VIEWER,
      );
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now())
      throw badInput('expiresAt must be in the future');
    const token = newSecret(TOKEN_PREFIX);
    const apiToken = await this.dataSource.getRepository(ApiToken).save({
      userId: viewer.userId,
      teamId: input.teamId ?? null,
      name: input.name.trim(),
      role,
      prefix: token.slice(0, TOKEN_PREFIX.length + 6),
      tokenHash: sha256Hex(token),
      expiresAt: input.expiresAt ?? null,
    });
    return { token, apiToken };
  }

  /** The caller's own tokens. */
  async mine(
    actor: Actor,
    args: { first?: number | null; after?: string | null },
  ): Promise<Page<ApiToken>> {
    const viewer = this.access.viewer(actor);
    const qb = this.dataSource
      .getRepository(ApiToken)
      .createQueryBuilder('token')
      .where('token.userId = :userId', { userId: viewer.userId });
    const limit = applyListPage(qb, 'token', args);
    return listPage(await qb.getMany(), limit);
  }

  /** Tokens limited to a team: admins see and revoke them. */
  async forTeam(
    actor: Actor,
    teamId: string,
    args: { first?: number | null; after?: string | null },
  ): Promise<Page<ApiToken>> {
    await this.access.require(actor, teamId, TeamRole.ADMIN);
    const qb = this.dataSource
      .getRepository(ApiToken)
      .createQueryBuilder('token')
      .where('token.teamId = :teamId', { teamId });
    const limit = applyListPage(qb, 'token', args);
    return listPage(await qb.getMany(), limit);
  }

  /** The owner may revoke their token; an admin may revoke any token limited to their team. */
  async revoke(actor: Actor, id: string): Promise<ApiToken> {
    const viewer = this.access.viewer(actor);
    if (!isUuid(id)) throw notFound('API token');
    const repository = this.dataSource.getRepository(ApiToken);
    const token = await repository.findOneBy({ id });
    if (!token) throw notFound('API token');
    if (token.userId !== viewer.userId) {
      if (token.role === ApiTokenRole.WORKER && !token.teamId) {
        if (!(await isInstanceAdmin(this.dataSource, this.config, viewer.userId)))
          throw notFound('API token');
      } else {
        const role = token.teamId ? await this.access.roleIn(actor, token.teamId) : null;
        if (!role) throw notFound('API token');
        if (!atLeast(role, TeamRole.ADMIN))
          throw forbidden('only team admins revoke others’ tokens');
      }
    }
    return this.revokeToken(token);
  }

  /**
   * Revokes a token the caller was allowed to revoke: stored, forgotten by the credential cache,
   * and announced so that open subscriptions made with it end.
   */
  async revokeToken(token: ApiToken): Promise<ApiToken> {
    if (!token.revokedAt) {
      token.revokedAt = new Date();
      await this.dataSource
        .getRepository(ApiToken)
        .update({ id: token.id }, { revokedAt: token.revokedAt });
    }
    this.auth.forget(token.tokenHash);
    await this.accessChanges.announce({
      userId: token.userId ?? undefined,
      credentialHashes: [token.tokenHash],
    });
    return token;
  }
}
