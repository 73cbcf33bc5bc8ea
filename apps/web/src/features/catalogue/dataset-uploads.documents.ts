import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import type { DatasetViewData } from './dataset-view';
import type { UploadedDatasetInput } from './dataset-upload-form';

// The documents of the upload API (createDatasetFromUpload, dataset versions, class counts,
// thumbnails), typed by hand from its contract while that API lands on its own branch: once its
// fields are in packages/shared/schema.graphql these move into catalogue.graphql.ts as graphql()
// calls, and codegen types them (this file then goes).

export const CreateDatasetFromUploadMutation: TypedDocumentNode<
  { createDatasetFromUpload: { id: string; name: string; version: number } },
  { input: UploadedDatasetInput }
> = parse(`
  mutation CreateDatasetFromUpload($input: CreateDatasetFromUploadInput!) {
    createDatasetFromUpload(input: $input) {
      id
      name
      version
    }
  }
`);

export const DatasetPageQuery: TypedDocumentNode<{ dataset: DatasetViewData }, { id: string }> =
  parse(`
  query DatasetPage($id: ID!) {
    dataset(id: $id) {
      id
      name
      version
      spec
      classNames
      trainSamples
      validationSamples
      contentHash
      createdAt
      classCounts {
        className
        train
        validation
      }
      thumbnails {
        className
        url
      }
      versions {
        id
        version
        createdAt
        trainSamples
        validationSamples
        contentHash
        experiments {
          id
          name
        }
      }
    }
  }
`);
