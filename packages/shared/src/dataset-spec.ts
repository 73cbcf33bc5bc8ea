/**
 * How the trainer finds a dataset. Stored on the Dataset row as JSON and handed to workers,
 * so it never contains credentials or absolute paths outside the configured data root.
 */
export type DatasetSpec =
  | {
      kind: 'mnist';
      /** Original class labels to keep, relabelled 0..n-1 in this order (e.g. [5,6,7,8,9]). */
      classes: number[];
      trainSamples?: number;
      validationSamples?: number;
      seed?: number;
    }
  | {
      kind: 'fashion-mnist';
      classes: number[];
      trainSamples?: number;
      validationSamples?: number;
      seed?: number;
    }
  | {
      kind: 'folder';
      /** Path relative to the trainer's data root: `<root>/<class>/*.png|jpg|jpeg`. */
      path: string;
      /** Image size the loader resizes to, [height, width, channels]. */
      inputShape?: [number, number, number];
      validationFraction?: number;
      trainSamples?: number;
      seed?: number;
    }
  | {
      kind: 'archive';
      /**
       * An uploaded image archive (`<class>/<image>.{png,jpg,jpeg}` inside a zip, tar or tar.gz),
       * stored once by the API under its content hash. Workers fetch it with
       * `GET /dataset-files/<datasetId>/archive` and cache it keyed by `sha256`.
       */
      sha256: string;
      byteSize: number;
      format: ArchiveFormat;
      /** Image size the loader resizes to, [height, width, channels]. */
      inputShape?: [number, number, number];
      validationFraction?: number;
      trainSamples?: number;
      seed?: number;
    };

/** The archive formats an uploaded dataset may come in, detected from the bytes at upload. */
export type ArchiveFormat = 'zip' | 'tar' | 'tar.gz';
export const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ['zip', 'tar', 'tar.gz'];

export type DatasetKind = DatasetSpec['kind'];
export const DATASET_KINDS: readonly DatasetKind[] = [
  'mnist',
  'fashion-mnist',
  'folder',
  'archive',
];
