import { describe, expect, it } from 'vitest';
import { likePattern } from './like-pattern.js';

describe('likePattern', () => {
  it.each([
    { search: 'mnist', pattern: '%mnist%' },
    { search: '100%', pattern: '%100\\%%' },
    { search: 'a_b', pattern: '%a\\_b%' },
    { search: 'back\\slash', pattern: '%back\\\\slash%' },
  ])('matches $search as a plain substring', ({ search, pattern }) => {
    expect(likePattern(search)).toBe(pattern);
  });
});
