import { CONVERT_HINT } from './import-limits.js';

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const ZIP_SIGNATURE = [0x50, 0x4b, 0x03, 0x04];

const startsWith = (head: Uint8Array, signature: number[]) =>
  signature.every((byte, i) => head[i] === byte);

/** Bytes of a file's start that `foreignModelProblem` needs to look at. */
export const FOREIGN_SNIFF_BYTES = 4096;

/**
 * Why a file is a model in a format Finetrack does not import (a Keras HDF5 `.h5`, a Keras v3
 * `.keras` zip, a SavedModel's `saved_model.pb`), with how to convert it; null when it is none of
 * these. `head` is the file's first bytes (up to FOREIGN_SNIFF_BYTES).
 */
export function foreignModelProblem(fileName: string, head: Uint8Array): string | null {
  const base = fileName.split('/').pop() ?? fileName;
  if (startsWith(head, HDF5_SIGNATURE) || /\.(h5|hdf5)$/i.test(base))
    return `${base} is a Keras HDF5 model; ${CONVERT_HINT}`;
  if (startsWith(head, ZIP_SIGNATURE)) {
    const text = new TextDecoder('latin1').decode(head);
    if (/\.keras$/i.test(base) || text.includes('config.json'))
      return `${base} is a Keras .keras archive; ${CONVERT_HINT}`;
    return `${base} is a zip archive; unpack it and import model.json with its weight shards`;
  }
  if (/\.keras$/i.test(base)) return `${base} is a Keras .keras archive; ${CONVERT_HINT}`;
  if (/^saved_model\.pbt?x?t?$/i.test(base) || /\.pb$/i.test(base))
    return `${base} belongs to a TensorFlow SavedModel; ${CONVERT_HINT}`;
  return null;
}
