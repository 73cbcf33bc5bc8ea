import { describe, expect, it } from 'vitest';
import {
  augmentationProblems,
  isAugmentationOn,
  MAX_AUGMENTATION_CROP,
  MAX_AUGMENTATION_ROTATION_DEGREES,
  NO_AUGMENTATION,
} from './augmentation.js';

describe('augmentationProblems', () => {
  it.each([
    ['a negative crop', { crop: -0.1 }, 'augmentation.crop'],
    ['a crop past the limit', { crop: MAX_AUGMENTATION_CROP + 0.01 }, 'augmentation.crop'],
    ['a crop that is not a number', { crop: Number.NaN }, 'augmentation.crop'],
    ['a negative rotation', { rotation: -1 }, 'augmentation.rotation'],
    [
      'a rotation past the limit',
      { rotation: MAX_AUGMENTATION_ROTATION_DEGREES + 1 },
      'augmentation.rotation',
    ],
    ['an infinite rotation', { rotation: Number.POSITIVE_INFINITY }, 'augmentation.rotation'],
    ['a flip that is not a boolean', { flip: 'yes' }, 'augmentation.flip'],
  ])('rejects %s', (_name, patch, field) => {
    const problems = augmentationProblems({ ...NO_AUGMENTATION, ...patch });
    expect(problems.map((problem) => problem.field)).toEqual([field]);
  });

  it('accepts the edges and everything off', () => {
    expect(augmentationProblems(NO_AUGMENTATION)).toEqual([]);
    expect(
      augmentationProblems({
        flip: true,
        crop: MAX_AUGMENTATION_CROP,
        rotation: MAX_AUGMENTATION_ROTATION_DEGREES,
      }),
    ).toEqual([]);
  });

  it('names fields under the given path', () => {
    expect(
      augmentationProblems({ flip: true, crop: 2, rotation: 0 }, 'sweep.augmentation'),
    ).toEqual([
      {
        field: 'sweep.augmentation.crop',
        message: 'sweep.augmentation.crop must be a number from 0 to 0.5',
      },
    ]);
  });
});

describe('isAugmentationOn', () => {
  it.each([
    [null, false],
    [undefined, false],
    [NO_AUGMENTATION, false],
    [{ flip: true, crop: 0, rotation: 0 }, true],
    [{ flip: false, crop: 0.1, rotation: 0 }, true],
    [{ flip: false, crop: 0, rotation: 5 }, true],
  ])('%j → %s', (augmentation, on) => {
    expect(isAugmentationOn(augmentation)).toBe(on);
  });
});
