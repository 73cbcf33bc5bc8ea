import { ClassType, Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { badInput } from '../graphql/errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage: boolean;

  @Field(() => String, { nullable: true })
  endCursor: string | null;
}

/** Every list in the API: `nodes` plus `pageInfo { hasNextPage endCursor }`. */
export function Connection<T extends object>(itemClass: ClassType<T>) {
  @ObjectType()
  abstract class ConnectionClass {
    @Field(() => [itemClass])
    nodes: T[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;
  }
  return ConnectionClass;
}

@InputType()
export class PageArgs {
  @Field(() => Int, { nullable: true })
  first?: number;

  @Field(() => String, { nullable: true })
  after?: string;
}

export interface Page<T> {
  nodes: T[];
  pageInfo: PageInfo;
}

/** Clamps `first` to the cap; rejects negatives. */
export function pageSize(first: number | null | undefined, max = MAX_PAGE_SIZE): number {
  if (first === undefined || first === null) return Math.min(DEFAULT_PAGE_SIZE, max);
  if (!Number.isInteger(first) || first < 0) throw badInput('first must be an integer ≥ 0');
  return Math.min(first, max);
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string, check: (value: unknown) => value is T): T {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (check(value)) return value;
  } catch {
    // fall through to the error below
  }
  throw badInput('after is not a cursor this list produced');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, { name: 'SortDirection' });

export enum ListOrderField {
  CREATED_AT = 'createdAt',
  NAME = 'name',
}
registerEnumType(ListOrderField, { name: 'ListOrderField' });

@InputType()
export class ListOrder {
  @Field(() => ListOrderField)
  field: ListOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC })
  direction: SortDirection;
}

const NEWEST_FIRST: ListOrder = { field: ListOrderField.CREATED_AT, direction: SortDirection.DESC };

/** Cursor of a (sort value, id) keyset. */
type KeyCursor = [string, string];

const isKeyCursor = (value: unknown): value is KeyCursor =>
  Array.isArray(value) &&
  value.length === 2 &&
  typeof value[0] === 'string' &&
  typeof value[1] === 'string' &&
  isUuid(value[1]);

interface ListRow {
  id: string;
  createdAt: Date;
  name?: string;
}

/** Builds a page from rows fetched with `limit + 1`. */
export function listPage<T extends ListRow>(
  rows: T[],
  limit: number,
  order: ListOrder | null | undefined = NEWEST_FIRST,
): Page<T> {
  const nodes = rows.slice(0, limit);
  const last = nodes.at(-1);
  const field = (order ?? NEWEST_FIRST).field;
  const value = (row: T) =>
    field === ListOrderField.NAME ? String(row.name) : row.createdAt.toISOString();
  return {
    nodes,
    pageInfo: {
      hasNextPage: rows.length > limit,
      endCursor: last ? encodeCursor([value(last), last.id]) : null,
    },
  };
}

interface WhereBuilder {
  andWhere(sql: string, params?: Record<string, unknown>): unknown;
  orderBy(sort: string, order: 'DESC' | 'ASC'): unknown;
  addOrderBy(sort: string, order: 'DESC' | 'ASC'): unknown;
  limit(n: number): unknown;
}

/**
 * Keyset paging on (sort column, id) for a TypeORM query builder; both keys sort the same way
 * so a row comparison selects the next page. Returns the page size.
 */
export function applyListPage(
  qb: WhereBuilder,
  alias: string,
  args: { first?: number | null; after?: string | null; orderBy?: ListOrder | null },
  max = MAX_PAGE_SIZE,
): number {
  const limit = pageSize(args.first, max);
  const order = args.orderBy ?? NEWEST_FIRST;
  const column = `${alias}.${order.field}`;
  if (args.after) {
    const [value, id] = decodeCursor(args.after, isKeyCursor);
    const cursorValue = order.field === ListOrderField.CREATED_AT ? new Date(value) : value;
    if (cursorValue instanceof Date && Number.isNaN(cursorValue.getTime()))
      throw badInput('after is not a cursor this list produced');
    const operator = order.direction === SortDirection.DESC ? '<' : '>';
    qb.andWhere(`(${column}, ${alias}.id) ${operator} (:cursorValue, :cursorId)`, {
      cursorValue,
      cursorId: id,
    });
  }
  qb.orderBy(column, order.direction);
  qb.addOrderBy(`${alias}.id`, order.direction);
  qb.limit(limit + 1);
  return limit;
}
