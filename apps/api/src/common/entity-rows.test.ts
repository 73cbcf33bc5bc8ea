import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENTITIES } from '../db/entities.js';
import { Model } from '../modules/models/model.entity.js';
import { Run } from '../modules/runs/run.entity.js';
import { EntityRows } from './entity-rows.js';

// The entities' metadata without a database: nothing here connects.
const dataSource = new DataSource({ type: 'postgres', entities: [...ENTITIES] });

beforeAll(async () => {
  await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
});

describe('EntityRows', () => {
  it('names every column by its property, with or without an alias', () => {
    const sut = new EntityRows(dataSource, Run);
    expect(sut.columns()).toContain('"checkpoint_artifact_ids" AS "checkpointArtifactIds"');
    expect(sut.columns('r')).toContain('r."lease_expires_at" AS "leaseExpiresAt"');
    expect(sut.columns('r').split(', ')).toHaveLength(dataSource.getMetadata(Run).columns.length);
  });

  it('maps a raw row onto the entity class, applying column transformers', () => {
    const sut = new EntityRows(dataSource, Model);
    const model = sut.from({
      id: 'm1',
      name: 'small-cnn',
      totalParams: '1234',
      trainableParams: null,
    });
    expect(model).toBeInstanceOf(Model);
    expect(model).toMatchObject({ id: 'm1', name: 'small-cnn', totalParams: 1234 });
    expect(model.trainableParams).toBeNull();
  });
});
