import {
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';

type Selected = Map<string, FieldNode[]>;

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

function objectTypeOf(parent: GraphQLObjectType, fieldName: string): GraphQLObjectType | undefined {
  const field = parent.getFields()[fieldName];
  const type = field ? getNamedType(field.type) : undefined;
  return type && isObjectType(type) ? type : undefined;
}

/** The names of the fields selected on the object that the resolving field returns. */
export function selectedFields(info: GraphQLResolveInfo): Set<string> {
  return new Set(subFields(info, info.fieldNodes).keys());
}

/** The names of the fields selected on a connection's nodes, under `nodes` and `edges { node }` alike. */
export function selectedNodeFields(info: GraphQLResolveInfo): Set<string> {
  const connectionFields = subFields(info, info.fieldNodes);
  const selected = new Set(subFields(info, connectionFields.get('nodes')).keys());
  const connection = getNamedType(info.returnType);
  const edgeType = isObjectType(connection) ? objectTypeOf(connection, 'edges') : undefined;
  if (edgeType) {
    const node = subFields(info, connectionFields.get('edges')).get('node');
    for (const name of subFields(info, node).keys()) selected.add(name);
  }
  return selected;
}
