/** A model folder that cannot be imported; `field` names the offending file or part. */
export class ModelImportError extends Error {
  override name = 'ModelImportError';

  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
