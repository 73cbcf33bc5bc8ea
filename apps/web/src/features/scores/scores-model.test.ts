import { describe, expect, it } from 'vitest';
import { hasPending, logMeAgreement, suggestion, type ScoreRow } from './scores-model';

let next = 0;
function aScore(overrides: Partial<ScoreRow> = {}): ScoreRow {
  next += 1;
  return {
    id: `s${next}`,
    modelId: `m${next}`,
    status: 'SUCCEEDED',
    trainSamples: null,
    logMe: -1,
    leep: -1,
    nce: -1,
    samples: 100,
    errorMessage: null,
    bestFineTunedAccuracy: null,
    model: { id: `m${next}`, name: `model ${next}` },
    ...overrides,
  };
}

describe('logMeAgreement', () => {
  it.each([
    ['no scores', [], { kind: 'needs-two', pairs: 0 }],
    [
      'one source model with a finished run',
      [aScore({ logMe: 1, bestFineTunedAccuracy: 0.9 })],
      { kind: 'needs-two', pairs: 1 },
    ],
    [
      'two scores, only one with a finished run',
      [aScore({ logMe: 1, bestFineTunedAccuracy: 0.9 }), aScore({ logMe: 2 })],
      { kind: 'needs-two', pairs: 1 },
    ],
    [
      'a failed score is no pair',
      [
        aScore({ logMe: 1, bestFineTunedAccuracy: 0.9 }),
        aScore({ status: 'FAILED', logMe: null, bestFineTunedAccuracy: 0.8 }),
      ],
      { kind: 'needs-two', pairs: 1 },
    ],
    [
      'the same ranking',
      [
        aScore({ logMe: 2, bestFineTunedAccuracy: 0.9 }),
        aScore({ logMe: 1, bestFineTunedAccuracy: 0.8 }),
        aScore({ logMe: 0, bestFineTunedAccuracy: 0.7 }),
      ],
      { kind: 'tau', tau: 1, pairs: 3 },
    ],
    [
      'a reversed ranking',
      [
        aScore({ logMe: 2, bestFineTunedAccuracy: 0.7 }),
        aScore({ logMe: 1, bestFineTunedAccuracy: 0.9 }),
      ],
      { kind: 'tau', tau: -1, pairs: 2 },
    ],
    [
      'every LogME the same',
      [
        aScore({ logMe: 1, bestFineTunedAccuracy: 0.7 }),
        aScore({ logMe: 1, bestFineTunedAccuracy: 0.9 }),
      ],
      { kind: 'tied', pairs: 2 },
    ],
  ])('%s', (_name, scores, expected) => {
    expect(logMeAgreement(scores)).toEqual(expected);
  });
});

describe('suggestion and pending', () => {
  it('names the finished score with the highest LogME, and sees unfinished jobs', () => {
    const low = aScore({ logMe: -2 });
    const high = aScore({ logMe: -0.5 });
    const queued = aScore({ status: 'QUEUED', logMe: null });
    expect(suggestion([low, high, queued])).toBe(high);
    expect(suggestion([queued])).toBeNull();
    expect(hasPending([low, queued])).toBe(true);
    expect(hasPending([low, aScore({ status: 'FAILED', logMe: null })])).toBe(false);
  });
});
