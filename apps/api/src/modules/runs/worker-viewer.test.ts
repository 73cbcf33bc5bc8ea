import { ErrorCode } from '@finetrack/shared';
import { describe, expect, it } from 'vitest';
import { actorFor, type Viewer } from '../../common/actor.js';
import { requireWorker } from './worker-viewer.js';

const worker: Viewer = {
  userId: 'u1',
  via: 'token',
  tokenTeamId: 't1',
  tokenId: 'k1',
  worker: true,
};

describe('requireWorker', () => {
  const sut = requireWorker;

  it('returns the viewer of a worker token', () => {
    expect(sut(actorFor(worker))).toBe(worker);
  });

  it.each([
    ['anonymous', null, ErrorCode.Unauthenticated],
    ['a cookie session', { userId: 'u1', via: 'cookie', tokenTeamId: null }, ErrorCode.Forbidden],
    ['a member token', { ...worker, worker: false }, ErrorCode.Forbidden],
    ['a worker token without a team', { ...worker, tokenTeamId: null }, ErrorCode.Forbidden],
    ['a worker token without its id', { ...worker, tokenId: undefined }, ErrorCode.Forbidden],
  ] as [string, Viewer | null, ErrorCode][])('refuses %s', (_name, viewer, code) => {
    expect(() => sut(actorFor(viewer))).toThrow(expect.objectContaining({ code }));
  });
});
