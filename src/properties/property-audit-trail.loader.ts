import DataLoader from 'dataloader';
import { AuditLogReader, selectionKey, type EntrySelection, type PageArgs } from '../audit-log/audit-log.reader.js';
import type { AuditLogRecord } from '../audit-log/audit-log.record.js';
import type { Page } from '../graphql/pagination.js';
import type { GraphQLContext, PerRequest } from '../graphql/context.js';

/**
 * `auditTrail` under a list of properties would otherwise cost one query per property (and one
 * COUNT per property for `totalCount`): the trails asked with the same arguments come from one
 * statement, with their actors joined in where selected.
 */
class AuditTrailLoaders {
  private readonly pagesByArgs = new Map<string, DataLoader<string, Page<AuditLogRecord>>>();
  private readonly counts: DataLoader<string, number>;

  constructor(private readonly reader: AuditLogReader) {
    this.counts = new DataLoader(async (ids) => {
      const counts = await reader.trailCounts(ids);
      return ids.map((id) => counts.get(id) ?? 0);
    });
  }

  /** Properties asked with the same `first`, `after` and selection share one statement. */
  page(propertyId: string, args: PageArgs, selection: EntrySelection): Promise<Page<AuditLogRecord>> {
    const key = JSON.stringify([args.first ?? null, args.after ?? null, selectionKey(selection)]);
    let loader = this.pagesByArgs.get(key);
    if (!loader) {
      loader = new DataLoader(async (ids) => {
        const pages = await this.reader.trails(ids, args, selection, (id) => this.counts.load(id));
        return ids.map((id) => pages.get(id)!);
      });
      this.pagesByArgs.set(key, loader);
    }
    return loader.load(propertyId);
  }
}

/** One set per request. */
const trailLoaders: PerRequest<AuditTrailLoaders> = {
  make: (context) => new AuditTrailLoaders(new AuditLogReader(context.sql)),
};

export function auditTrailPage(
  context: GraphQLContext,
  propertyId: string,
  args: PageArgs,
  selection: EntrySelection,
): Promise<Page<AuditLogRecord>> {
  return context.once(trailLoaders).page(propertyId, args, selection);
}
