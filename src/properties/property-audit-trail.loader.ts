import DataLoader from 'dataloader';
import type { AuditLog } from '../audit-log/audit-log.entity.js';
import { AuditLogService, type PageArgs } from '../audit-log/audit-log.service.js';
import type { Page } from '../graphql/pagination.js';
import type { GraphQLContext } from '../graphql/context.js';

/**
 * `auditTrail` under a list of properties would otherwise cost one query per property (and one
 * COUNT per property for `totalCount`); MikroORM's dataloader batches relations, not these pages.
 */
class AuditTrailLoaders {
  private readonly pagesByArgs = new Map<string, DataLoader<string, Page<AuditLog>>>();
  private readonly counts: DataLoader<string, number>;

  constructor(private readonly service: AuditLogService) {
    this.counts = new DataLoader(async (ids) => {
      const counts = await service.trailCounts(ids);
      return ids.map((id) => counts.get(id) ?? 0);
    });
  }

  /** Properties asked with the same `first` and `after` share one statement. */
  page(propertyId: string, args: PageArgs): Promise<Page<AuditLog>> {
    const key = JSON.stringify([args.first ?? null, args.after ?? null]);
    let loader = this.pagesByArgs.get(key);
    if (!loader) {
      loader = new DataLoader(async (ids) => {
        const pages = await this.service.trails(ids, args, (id) => this.counts.load(id));
        return ids.map((id) => pages.get(id)!);
      });
      this.pagesByArgs.set(key, loader);
    }
    return loader.load(propertyId);
  }
}

// One set per request: keyed by the request's context object, gone with it.
const perRequest = new WeakMap<GraphQLContext, AuditTrailLoaders>();

export function auditTrailPage(context: GraphQLContext, propertyId: string, args: PageArgs): Promise<Page<AuditLog>> {
  let loaders = perRequest.get(context);
  if (!loaders) {
    loaders = new AuditTrailLoaders(new AuditLogService(context.em));
    perRequest.set(context, loaders);
  }
  return loaders.page(propertyId, args);
}
