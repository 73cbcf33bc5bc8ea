import type { FeatureCacheStatus } from '@/gql/graphql';

/** "flip, crop 0.1, rotation ±10°", or "none" when every part is off. */
export function describeAugmentation(augmentation: {
  flip: boolean;
  crop: number;
  rotation: number;
}): string {
  const parts = [
    augmentation.flip ? 'flip' : null,
    augmentation.crop > 0 ? `crop ${augmentation.crop}` : null,
    augmentation.rotation > 0 ? `rotation ±${augmentation.rotation}°` : null,
  ].filter((part): part is string => part !== null);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

const CACHE_NOTES: Record<FeatureCacheStatus, string> = {
  USED: 'used: the frozen layers ran once per image',
  BYPASSED_AUGMENTATION: 'bypassed because of augmentation: the frozen layers ran on every batch',
  OFF_NOTHING_FROZEN: 'not used: nothing frozen',
  OFF_DISABLED: 'not used: turned off',
  OFF_TOO_LARGE: 'not used: the features would not fit in memory',
};

/** What the worker said about the frozen-prefix feature cache; "—" before it finished. */
export function featureCacheNote(status: FeatureCacheStatus | null | undefined): string {
  return status ? CACHE_NOTES[status] : '—';
}
