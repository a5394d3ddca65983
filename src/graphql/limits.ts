import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type GraphQLFormattedError, type ValidationContext } from 'graphql';
import { documentLimitMessage, type DocumentLimitName } from './limit-messages.js';

/**
 * Bounds on what one document may ask for, checked during validation (before any resolver runs).
 * The deepest legitimate query of the schema (a property's audit trail with each actor) is depth 6,
 * and a dashboard page asks for a few hundred fields at most.
 */
export const DOCUMENT_LIMITS = {
  maxDepth: 10,
  maxAliases: 15,
  maxTokens: 2_000,
  maxDirectives: 30,
  maxCost: 5_000,
} as const;

/** armor's rejection says "… exceeded, found N."; the count is worth keeping. */
function foundIn(error: GraphQLError): number | undefined {
  const match = /found (\d+)/.exec(error.message);
  return match ? Number(match[1]) : undefined;
}

/** Reports the rejection with a readable message instead of throwing armor's own. */
function rejectReadably(
  limit: DocumentLimitName,
  max: number,
): { propagateOnRejection: false; onReject: ((context: ValidationContext | null, error: GraphQLError) => void)[] } {
  return {
    propagateOnRejection: false,
    onReject: [
      (context, error) =>
        context?.reportError(
          new GraphQLError(documentLimitMessage(limit, max, foundIn(error)), {
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
        ),
    ],
  };
}

export function documentLimits(options: { introspection: boolean }) {
  const armor = new ApolloArmor({
    maxDepth: {
      n: DOCUMENT_LIMITS.maxDepth,
      ignoreIntrospection: true,
      flattenFragments: true,
      ...rejectReadably('depth', DOCUMENT_LIMITS.maxDepth),
    },
    maxAliases: { n: DOCUMENT_LIMITS.maxAliases, ...rejectReadably('aliases', DOCUMENT_LIMITS.maxAliases) },
    // Counted by graphql-js's own parser instead (parseOptions below): armor's token plugin
    // re-parses in a request hook, and its syntax errors then surface as 500s.
    maxTokens: { enabled: false },
    maxDirectives: { n: DOCUMENT_LIMITS.maxDirectives, ...rejectReadably('directives', DOCUMENT_LIMITS.maxDirectives) },
    costLimit: {
      maxCost: DOCUMENT_LIMITS.maxCost,
      ignoreIntrospection: true,
      ...rejectReadably('cost', DOCUMENT_LIMITS.maxCost),
    },
    // Suggestions ("Did you mean …?") would reveal the schema that disabled introspection hides.
    blockFieldSuggestion: { enabled: !options.introspection },
  });
  return { ...armor.protect(), parseOptions: { maxTokens: DOCUMENT_LIMITS.maxTokens } };
}

/**
 * graphql-js's parser stops at the token limit with a syntax error; the document is well formed
 * but refused, like the validation limits, so it gets their code and a message of the same kind.
 */
export function readableTokenLimitError(formatted: GraphQLFormattedError): GraphQLFormattedError | undefined {
  if (formatted.extensions?.code !== 'GRAPHQL_PARSE_FAILED') return undefined;
  if (!/Document contains more (?:that|than) \d+ tokens/.test(formatted.message)) return undefined;
  return {
    message: documentLimitMessage('tokens', DOCUMENT_LIMITS.maxTokens),
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
  };
}
