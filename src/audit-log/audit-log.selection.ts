import type { GraphQLResolveInfo } from 'graphql';
import { namesUnder, selectedNodeFieldNodes } from '../graphql/lookahead.js';
import type { EntrySelection } from './audit-log.reader.js';

/** What a connection of entries asks of each entry and, through `performedBy`, of its actor. */
export function entrySelection(info: GraphQLResolveInfo): EntrySelection {
  const selected = selectedNodeFieldNodes(info);
  const performer = selected.get('performedBy');
  return { fields: new Set(selected.keys()), performer: performer ? namesUnder(info, performer) : undefined };
}
