import type { RuleProblem } from './hyperparameters.js';

/**
 * Random training-time augmentation of a run, applied to training batches only (never validation),
 * drawn per sample and epoch from the run's seed. Every part off is the default.
 */
export interface Augmentation {
  /** Mirror each image left–right with probability ½. */
  flip: boolean;
  /**
   * Random-resized crop: each side of the crop box is a fraction drawn from [1 − crop, 1] of the
   * image's side (same aspect ratio), placed at a random position, then resized back to the full
   * image. 0 = off; at most MAX_AUGMENTATION_CROP.
   */
  crop: number;
  /** Rotation by an angle drawn from [−rotation, rotation] degrees about the centre. 0 = off. */
  rotation: number;
}

/** Everything off: what a run without augmentation settings trains with. */
export const NO_AUGMENTATION: Readonly<Augmentation> = Object.freeze({
  flip: false,
  crop: 0,
  rotation: 0,
});

/** Largest crop fraction: a box down to half of each side (a quarter of the area). */
export const MAX_AUGMENTATION_CROP = 0.5;
/** Largest rotation, in degrees either way. */
export const MAX_AUGMENTATION_ROTATION_DEGREES = 30;

export const AUGMENTATION_DESCRIPTIONS = {
  flip: 'Mirror each training image left–right with probability ½.',
  crop: `Random-resized crop: each side of the crop is a random fraction from 1 − crop to 1 of the image's, resized back; a number from 0 (off) to ${MAX_AUGMENTATION_CROP}.`,
  rotation: `Random rotation of up to this many degrees either way; a number from 0 (off) to ${MAX_AUGMENTATION_ROTATION_DEGREES}.`,
} as const;

/** True when any part of `augmentation` changes the images. */
export function isAugmentationOn(augmentation: Augmentation | null | undefined): boolean {
  return (
    augmentation != null &&
    (augmentation.flip || augmentation.crop > 0 || augmentation.rotation > 0)
  );
}

function boundedProblem(value: unknown, max: number, field: string): RuleProblem | null {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max)
    return null;
  return { field, message: `${field} must be a number from 0 to ${max}` };
}

/** A crop fraction is a number from 0 (off) to MAX_AUGMENTATION_CROP. */
export function augmentationCropProblem(value: unknown, field = 'crop'): RuleProblem | null {
  return boundedProblem(value, MAX_AUGMENTATION_CROP, field);
}

/** A rotation is a number of degrees from 0 (off) to MAX_AUGMENTATION_ROTATION_DEGREES. */
export function augmentationRotationProblem(
  value: unknown,
  field = 'rotation',
): RuleProblem | null {
  return boundedProblem(value, MAX_AUGMENTATION_ROTATION_DEGREES, field);
}

/** Every broken rule of an augmentation setting (fields under `path`); empty when it holds. */
export function augmentationProblems(
  value: Partial<Record<keyof Augmentation, unknown>>,
  path = 'augmentation',
): RuleProblem[] {
  const problems = [
    typeof value.flip === 'boolean'
      ? null
      : { field: `${path}.flip`, message: `${path}.flip must be true or false` },
    augmentationCropProblem(value.crop, `${path}.crop`),
    augmentationRotationProblem(value.rotation, `${path}.rotation`),
  ];
  return problems.filter((problem): problem is RuleProblem => problem !== null);
}
