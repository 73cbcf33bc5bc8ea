import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE } from '../common/pagination.js';
import {
  CURVE_LISTS,
  LIST_PRICES,
  MAX_LIST_MULTIPLIER,
  SCALAR_ITEMS_PER_COST,
} from './list-prices.js';
import { FragmentMeasures } from './fragments.js';

type Variables = Record<string, unknown>;

/**
 * An argument's value as the resolver will see it: the literal, else the variable sent, else
 * the variable's default in the operation, else the argument's default in the schema. Only
 * `first`, `runIds` and `keys` are read, so the big `points` list of logMetrics is never copied.
 */
function argumentValue(
  field: FieldNode,
  definition: GraphQLField<unknown, unknown> | undefined,
  name: string,
  variables: Variables,
  defaults: Map<string, ValueNode>,
): unknown {
  const argument = field.arguments?.find((arg) => arg.name.value === name);
  if (argument) {
    const node = argument.value;
    if (node.kind !== Kind.VARIABLE) return valueFromASTUntyped(node, variables);
    const variable = node.name.value;
    if (variables[variable] !== undefined) return variables[variable];
    const fallback = defaults.get(variable);
    if (fallback) return valueFromASTUntyped(fallback, variables);
  }
  return definition?.args.find((arg) => arg.name === name)?.defaultValue;
}

const itemCount = (value: unknown) => (Array.isArray(value) ? value.length : 1);

/** How many items a list field's selection is paid for. */
function multiplierOf(
  parent: GraphQLCompositeType,
  field: FieldNode,
  definition: GraphQLField<unknown, unknown> | undefined,
  variables: Variables,
  defaults: Map<string, ValueNode>,
  curvePoints: number,
): number {
  const name = field.name.value;
  if (definition?.args.some((arg) => arg.name === 'first')) {
    const first = argumentValue(field, definition, 'first', variables, defaults);
    if (typeof first === 'number' && Number.isFinite(first))
      return Math.max(1, Math.min(first, MAX_LIST_MULTIPLIER));
    return DEFAULT_PAGE_SIZE;
  }
  if (parent.name === 'Query' && name === 'metrics')
    return Math.max(
      1,
      itemCount(argumentValue(field, definition, 'runIds', variables, defaults)) *
        itemCount(argumentValue(field, definition, 'keys', variables, defaults)),
    );
  if (CURVE_LISTS.has(`${parent.name}.${name}`)) return curvePoints;
  // A page's items: the connection field was priced by its `first`.
  if (name === 'nodes' && parent.name.endsWith('Connection')) return 1;
  if (definition && isListType(getNullableType(definition.type)))
    return LIST_PRICES[`${parent.name}.${name}`] ?? MAX_LIST_MULTIPLIER;
  return 1;
}

/**
 * Cost of an operation, priced after variables and their defaults: every field costs 1; a list
 * field multiplies what each item selects by its page (`first`, or the default page), by
 * runIds × keys for `metrics`, or by the list's declared maximum (LIST_PRICES); a list of
 * scalars costs one per SCALAR_ITEMS_PER_COST items. Each fragment is measured once and its result
 * reused, so a fragment spread 2³⁰ times costs one visit per fragment. Introspection is free.
 */
export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
): number {
  let fragments = new FragmentMeasures(document);
  let defaults = new Map<string, ValueNode>();
  /** maxPoints of the enclosing `metrics` field. */
  let curvePoints = 1;

  const walk = (set: SelectionSetNode | undefined, parent: GraphQLCompositeType): number => {
    if (!set) return 0;
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__')) continue;
        const definition =
          isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
        const named = definition ? getNamedType(definition.type) : undefined;
        const multiplier = multiplierOf(
          parent,
          selection,
          definition,
          variables,
          defaults,
          curvePoints,
        );
        const outerPoints = curvePoints;
        if (parent.name === 'Query' && name === 'metrics') {
          const points = argumentValue(selection, definition, 'maxPoints', variables, defaults);
          curvePoints = typeof points === 'number' && points > 0 ? points : MAX_LIST_MULTIPLIER;
        }
        const children = named && isCompositeType(named) ? walk(selection.selectionSet, named) : 0;
        curvePoints = outerPoints;
        total +=
          named && isCompositeType(named)
            ? 1 + children * multiplier
            : 1 + Math.ceil((multiplier > 1 ? multiplier : 0) / SCALAR_ITEMS_PER_COST);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : parent;
        total += walk(selection.selectionSet, isCompositeType(type) ? type : parent);
      } else {
        total += fragments.of(selection.name.value, (fragment) => {
          const type = schema.getType(fragment.typeCondition.name.value);
          return walk(fragment.selectionSet, isCompositeType(type) ? type : parent);
        });
      }
    }
    return total;
  };

  let cost = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName && definition.name?.value !== operationName) continue;
    const root = rootType(schema, definition);
    if (!root) continue;
    fragments = new FragmentMeasures(document);
    defaults = new Map(
      (definition.variableDefinitions ?? []).flatMap((variable) =>
        variable.defaultValue ? [[variable.variable.name.value, variable.defaultValue]] : [],
      ),
    );
    cost += walk(definition.selectionSet, root);
  }
  return cost;
}

function rootType(schema: GraphQLSchema, operation: OperationDefinitionNode) {
  if (operation.operation === 'query') return schema.getQueryType();
  if (operation.operation === 'mutation') return schema.getMutationType();
  return schema.getSubscriptionType();
}
