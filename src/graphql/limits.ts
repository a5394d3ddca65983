import { ApolloArmor } from '@escape.tech/graphql-armor';

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

export function documentLimits(options: { introspection: boolean }) {
  const armor = new ApolloArmor({
    maxDepth: { n: DOCUMENT_LIMITS.maxDepth, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: DOCUMENT_LIMITS.maxAliases },
    // Counted by graphql-js's own parser instead (parseOptions below): armor's token plugin
    // re-parses in a request hook, and its syntax errors then surface as 500s.
    maxTokens: { enabled: false },
    maxDirectives: { n: DOCUMENT_LIMITS.maxDirectives },
    costLimit: { maxCost: DOCUMENT_LIMITS.maxCost, ignoreIntrospection: true },
    // Suggestions ("Did you mean …?") would reveal the schema that disabled introspection hides.
    blockFieldSuggestion: { enabled: !options.introspection },
  });
  return { ...armor.protect(), parseOptions: { maxTokens: DOCUMENT_LIMITS.maxTokens } };
}
