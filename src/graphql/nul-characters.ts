import { GraphQLError, visit, BREAK, type DocumentNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';

/**
 * PostgreSQL text cannot hold the NUL character: an argument carrying one would fail in the
 * database as an internal error. Refuse it before execution, as the client's mistake.
 */
const NUL = '\u0000';

export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (Array.isArray(value)) return value.some(containsNul);
  if (value && typeof value === 'object') return Object.values(value).some(containsNul);
  return false;
}

// Apollo hands out the same parsed document for the same text: each is visited once.
const documentsWithNul = new WeakMap<DocumentNode, boolean>();

function documentContainsNul(document: DocumentNode): boolean {
  const known = documentsWithNul.get(document);
  if (known !== undefined) return known;
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes(NUL)) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  documentsWithNul.set(document, found);
  return found;
}

export const refuseNulCharacters: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ document, request }) {
        if (containsNul(request.variables) || documentContainsNul(document)) {
          throw new GraphQLError('Arguments may not contain the NUL character (\\u0000).', {
            extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
          });
        }
      },
    };
  },
};
