import { MAX_PAGE_SIZE } from './pagination.js';

/**
 * What a client reads when a document is over one of the limits: the limit, what was found, and
 * how to stay under it. graphql-armor's own messages ("Syntax Error: Query Cost limit of 5000
 * exceeded, found 8750.") call a valid document a syntax error and give no way out.
 */
export type DocumentLimitName = 'depth' | 'aliases' | 'directives' | 'cost' | 'tokens';

const advice: Record<DocumentLimitName, string> = {
  depth: 'Select fewer levels of nested fields, or fetch the deeper part in a second request.',
  aliases: 'Use fewer aliased fields (__typename is free), or split the operation into several requests.',
  directives: 'Use fewer directives, for instance one @include on a fragment instead of one per field.',
  cost:
    `Each list field multiplies the cost of what it selects by its \`first\` (at most ${MAX_PAGE_SIZE}), and a list ` +
    'inside a list multiplies again: ask for fewer items with `first`, nest fewer lists (such as `auditTrail` ' +
    'inside `properties`), or fetch the nested lists in separate requests.',
  tokens: 'Send a shorter document: fewer fields, and long values as variables rather than inline.',
};

const measure: Record<DocumentLimitName, (max: number, found: number | undefined) => string> = {
  depth: (max, found) => `The operation is nested ${found ?? 'more than ' + max} levels deep; the limit is ${max}.`,
  aliases: (max, found) => `The operation uses ${found ?? 'more than ' + max} aliases; the limit is ${max}.`,
  directives: (max, found) => `The operation uses ${found ?? 'more than ' + max} directives; the limit is ${max}.`,
  cost: (max, found) => `The operation's estimated cost is ${found ?? 'more than ' + max}; the limit is ${max}.`,
  tokens: (max) => `The document has more than ${max} tokens (names, punctuation and values); the limit is ${max}.`,
};

export function documentLimitMessage(limit: DocumentLimitName, max: number, found?: number): string {
  return `${measure[limit](max, found)} ${advice[limit]}`;
}

export const BATCHING_REFUSED_MESSAGE =
  'Batched requests (a JSON array of operations) are not accepted: send one operation per request.';
