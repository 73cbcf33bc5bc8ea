import type { DataSource, EntityTarget, ValueTransformer } from 'typeorm';

/**
 * Raw SQL rows as entities: the select list that names each column by its property, and the
 * mapping of such a row onto the entity class (with the columns' value transformers, which raw
 * queries skip). For statements TypeORM cannot write: `UPDATE … RETURNING`, `FOR UPDATE SKIP
 * LOCKED`, `unnest` inserts.
 */
export class EntityRows<T extends object> {
  private readonly lists = new Map<string, string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly target: EntityTarget<T> & (new () => T),
  ) {}

  /** `alias."column" AS "property"` for every column (no alias: the bare column). */
  columns(alias?: string): string {
    const key = alias ?? '';
    let list = this.lists.get(key);
    if (list === undefined) {
      const prefix = alias ? `${alias}.` : '';
      list = this.dataSource
        .getMetadata(this.target)
        .columns.map((column) => `${prefix}"${column.databaseName}" AS "${column.propertyName}"`)
        .join(', ');
      this.lists.set(key, list);
    }
    return list;
  }

  /** A row selected with `columns()` as an entity. */
  from(row: Record<string, unknown>): T {
    const entity = Object.assign(new this.target(), row);
    for (const column of this.dataSource.getMetadata(this.target).columns) {
      if (!column.transformer || !(column.propertyName in row)) continue;
      const transformers: ValueTransformer[] = Array.isArray(column.transformer)
        ? [...column.transformer].reverse()
        : [column.transformer];
      let value = row[column.propertyName];
      for (const transformer of transformers) value = transformer.from(value);
      (entity as Record<string, unknown>)[column.propertyName] = value;
    }
    return entity;
  }
}
