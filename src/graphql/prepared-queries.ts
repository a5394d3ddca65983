import type { CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

const MAX_PREPARED = 1_000;
/** The texts kept, in characters all told: a client sending large distinct documents only cycles them. */
const MAX_TEXT_CHARACTERS = 8 * 1024 * 1024;
/** GraphQL's Name: no line break, so the key below is unambiguous. */
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** A query document that Apollo has parsed, validated and resolved once, compiled for execution. */
export interface PreparedQuery {
  compiled: CompiledQuery;
  /** The operation the document resolved to, named as Apollo's plugins see it. */
  operationName: string | undefined;
}

/**
 * Query documents already accepted by Apollo's pipeline, by their exact text and the operation
 * name the client sent. Everything that pipeline decides about a document (parsing, validation
 * with the document limits, the NUL check of its literals, which operation runs) depends on those
 * two and the schema alone, so the same request again needs none of it. Only queries: they change
 * nothing, so a run that ends in errors can be handed back to Apollo to answer.
 */
export class PreparedQueries {
  private readonly byText = new LRUCache<string, PreparedQuery>({
    max: MAX_PREPARED,
    maxSize: MAX_TEXT_CHARACTERS,
    sizeCalculation: (_prepared, key) => key.length,
  });

  private static keyOf(text: string, requestedOperation: string | undefined): string {
    return `${requestedOperation ?? ''}\n${text}`;
  }

  remember(text: string, requestedOperation: string | undefined, prepared: PreparedQuery): void {
    this.byText.set(PreparedQueries.keyOf(text, requestedOperation), prepared);
  }

  find(text: string, requestedOperation: string | undefined): PreparedQuery | undefined {
    if (requestedOperation !== undefined && !OPERATION_NAME.test(requestedOperation)) return undefined;
    return this.byText.get(PreparedQueries.keyOf(text, requestedOperation));
  }
}
