/** One split of a dataset held in memory, ready to become tensors. */
export interface DatasetSplit {
  /** Images as NHWC floats in [0, 1]: length = count × height × width × channels. */
  images: Float32Array;
  /** Class index per sample, 0..classNames.length-1. */
  labels: Int32Array;
  count: number;
}

/** A dataset view after class filtering, relabelling, caps, shuffling and splitting. */
export interface LoadedDataset {
  /** Human-readable name, e.g. `mnist[5,6,7,8,9]`. */
  name: string;
  classNames: string[];
  /** [height, width, channels] of every image. */
  inputShape: [number, number, number];
  train: DatasetSplit;
  validation: DatasetSplit;
  /** sha256 over the data and the options that produced this view: same inputs → same hash. */
  hash: string;
  /** Non-fatal problems met while loading (e.g. corrupt images skipped). */
  warnings: string[];
}
