import { ApiError } from '@finetrack/shared/client';
import { describe, expect, it } from 'vitest';
import { BackendError } from '../backend/select-backend.js';
import { DatasetError, DatasetErrorCode } from '../data/dataset-error.js';
import { ModelFileError, ModelFileErrorCode } from '../io/model-file-error.js';
import { ArchitectureError } from '../model/architectures.js';
import { ModelGraphError } from '../model/graph.js';
import { SurgeryError, SurgeryErrorCode } from '../model/surgery.js';
import { CheckpointError } from '../train/checkpoint.js';
import { TrainingOptionsError } from '../train/training-options.js';
import { JobInputError, trainerErrorKind } from './trainer-errors.js';

describe('trainerErrorKind', () => {
  it.each([
    [new ModelFileError(ModelFileErrorCode.SizeMismatch, 'short'), 'model-files'],
    [new DatasetError(DatasetErrorCode.InvalidSpec, 'no classes'), 'dataset'],
    [new SurgeryError(SurgeryErrorCode.FrozenLayersOutOfRange, 'K'), 'surgery'],
    [new CheckpointError('other weights'), 'checkpoint'],
    [new TrainingOptionsError('epochs'), 'training-options'],
    [new ArchitectureError('unknown'), 'architecture'],
    [new BackendError('none'), 'backend'],
    [new ModelGraphError('cycle'), 'model-graph'],
    [new JobInputError('no validation samples'), 'job-input'],
  ])('%s is a trainer input error of kind %s', (error, kind) => {
    expect(trainerErrorKind(error)).toBe(kind);
  });

  it.each([
    ['an API error', new ApiError('BAD_USER_INPUT', 'layers is empty')],
    ['a bug', new RangeError('Invalid array length')],
    [
      'an error that only borrows a trainer name',
      Object.assign(new Error('x'), { name: 'DatasetError' }),
    ],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
  ])('%s is not', (_label, error) => {
    expect(trainerErrorKind(error)).toBeUndefined();
  });
});
