'use client';

import {
  AUGMENTATION_DESCRIPTIONS,
  MAX_AUGMENTATION_CROP,
  MAX_AUGMENTATION_ROTATION_DEGREES,
} from '@finetrack/shared';

/** The augmentation fields as typed (crop and rotation are text until submitted). */
export interface AugmentationDraft {
  flip: boolean;
  crop: string;
  rotation: string;
}

/** Every part off: the form's default. */
export const NO_AUGMENTATION_DRAFT: AugmentationDraft = { flip: false, crop: '0', rotation: '0' };

interface AugmentationFieldsetProps {
  value: AugmentationDraft;
  onChange(value: AugmentationDraft): void;
  /** Some chosen depth freezes layers: say that augmentation costs the feature cache. */
  anyFrozen: boolean;
}

/** Flip, crop and rotation of the training images, for every run of the sweep. */
export function AugmentationFieldset({ value, onChange, anyFrozen }: AugmentationFieldsetProps) {
  const on = value.flip || Number(value.crop) > 0 || Number(value.rotation) > 0;
  return (
    <fieldset>
      <legend>Augmentation (training images only; off by default)</legend>
      <label className="checkbox">
        <input
          type="checkbox"
          name="augmentFlip"
          checked={value.flip}
          onChange={(e) => onChange({ ...value, flip: e.target.checked })}
        />{' '}
        Random horizontal flip
      </label>
      <label>
        Random crop (fraction, 0 = off, at most {MAX_AUGMENTATION_CROP})
        <input
          name="augmentCrop"
          type="number"
          step="0.05"
          min={0}
          max={MAX_AUGMENTATION_CROP}
          value={value.crop}
          title={AUGMENTATION_DESCRIPTIONS.crop}
          onChange={(e) => onChange({ ...value, crop: e.target.value })}
        />
      </label>
      <label>
        Random rotation (degrees either way, 0 = off, at most {MAX_AUGMENTATION_ROTATION_DEGREES})
        <input
          name="augmentRotation"
          type="number"
          step="1"
          min={0}
          max={MAX_AUGMENTATION_ROTATION_DEGREES}
          value={value.rotation}
          onChange={(e) => onChange({ ...value, rotation: e.target.value })}
        />
      </label>
      {on && anyFrozen ? (
        <p className="muted" data-testid="augmentation-cache-note">
          With augmentation the frozen layers run on every batch: the feature cache that makes
          linear probes and partial fine-tunes fast is not used.
        </p>
      ) : null}
    </fieldset>
  );
}
