import { Kind, type DocumentNode, type FragmentDefinitionNode } from 'graphql';

/** The fragments of a document by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  return fragments;
}

/**
 * Measures each fragment of a document once and reuses the result, so a fragment spread many
 * times (or fragments spreading each other twice, 30 deep) costs one visit each instead of 2³⁰.
 * A fragment that spreads itself, or one that does not exist, measures 0 (validation rejects both).
 */
export class FragmentMeasures {
  private readonly fragments: Map<string, FragmentDefinitionNode>;
  private readonly done = new Map<string, number>();
  private readonly active = new Set<string>();

  constructor(document: DocumentNode) {
    this.fragments = fragmentsOf(document);
  }

  of(name: string, measure: (fragment: FragmentDefinitionNode) => number): number {
    const fragment = this.fragments.get(name);
    if (!fragment || this.active.has(name)) return 0;
    let value = this.done.get(name);
    if (value === undefined) {
      this.active.add(name);
      value = measure(fragment);
      this.active.delete(name);
      this.done.set(name, value);
    }
    return value;
  }
}
