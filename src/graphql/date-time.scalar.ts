import { GraphQLScalarType, type GraphQLSchema } from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { malformedDateTime } from './input.errors.js';

const DESCRIPTION = 'An ISO-8601 instant with a zone, e.g. 2026-11-24T21:00:00.000Z.';

/**
 * A malformed DateTime in variables is BAD_USER_INPUT from Apollo already; written inline it would
 * fail document validation (GRAPHQL_VALIDATION_FAILED). Throwing a domain error from parseLiteral
 * lets the error formatter give both the contract's BAD_USER_INPUT.
 */
export function withDateTimeInputErrors(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.SCALAR_TYPE]: (type) => {
      if (type.name !== 'DateTime') return type;
      const config = type.toConfig();
      return new GraphQLScalarType({
        ...config,
        description: DESCRIPTION,
        parseLiteral: (ast, variables) => {
          try {
            return config.parseLiteral(ast, variables);
          } catch {
            throw malformedDateTime();
          }
        },
      });
    },
  });
}
