import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  type FieldNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';

export type Selected = Map<string, FieldNode[]>;

function included(info: GraphQLResolveInfo, node: Parameters<typeof getDirectiveValues>[1]): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, info.variableValues)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues)?.if !== false;
}

/**
 * The fields selected in `selectionSet`, by field name (aliases, fragments and @skip/@include
 * resolved). Fragments are taken whatever their type condition: every type asked about here is an
 * object type, so a condition can only name that type.
 */
function collect(info: GraphQLResolveInfo, selectionSet: SelectionSetNode | undefined, into: Selected): void {
  for (const selection of selectionSet?.selections ?? []) {
    if (!included(info, selection)) continue;
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      into.set(name, [...(into.get(name) ?? []), selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      collect(info, selection.selectionSet, into);
    } else {
      collect(info, info.fragments[selection.name.value]?.selectionSet, into);
    }
  }
}

function subFields(info: GraphQLResolveInfo, fieldNodes: readonly FieldNode[] | undefined): Selected {
  const selected: Selected = new Map();
  for (const node of fieldNodes ?? []) collect(info, node.selectionSet, selected);
  return selected;
}

/** The fields selected on the object that the resolving field returns, by field name. */
export function selectedFieldNodes(info: GraphQLResolveInfo): Selected {
  return subFields(info, info.fieldNodes);
}

/** The fields selected on a connection's nodes, under `nodes` and `edges { node }` alike, by field name. */
export function selectedNodeFieldNodes(info: GraphQLResolveInfo): Selected {
  const connectionFields = subFields(info, info.fieldNodes);
  const selected = subFields(info, connectionFields.get('nodes'));
  const node = subFields(info, connectionFields.get('edges')).get('node');
  for (const [name, nodes] of subFields(info, node)) selected.set(name, [...(selected.get(name) ?? []), ...nodes]);
  return selected;
}

/** The names of the fields selected under the given field nodes (a relation's own selection). */
export function namesUnder(info: GraphQLResolveInfo, fieldNodes: readonly FieldNode[] | undefined): Set<string> {
  return new Set(subFields(info, fieldNodes).keys());
}
