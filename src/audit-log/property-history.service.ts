import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditLog, type AuditChanges } from './audit-log.entity.js';
import { AuditAction } from './audit-action.js';
import { PropertyVersion } from './property-version.type.js';
import { malformedPropertyId } from '../properties/property.errors.js';
import { isUuid } from '../shared/ids.js';

type PropertyState = Omit<PropertyVersion, 'propertyId' | 'at'>;

/** The `new` side of an entry's changes, keeping only the fields a version shows. */
function applyChanges(state: PropertyState, changes: AuditChanges | null): PropertyState {
  const next = { ...state };
  for (const [field, change] of Object.entries(changes ?? {})) {
    if (field === 'title') next.title = change.new as string;
    else if (field === 'description') next.description = change.new as string | null;
    else if (field === 'isPublished') next.isPublished = change.new as boolean;
  }
  return next;
}

/** Properties through time, replayed from their audit entries. */
export class PropertyHistoryService {
  constructor(private readonly em: EntityManager) {}

  /**
   * The property as it stood at `at`, counting every change stamped at or before it; null before
   * its CREATE and from its DELETE on. Entries replay in the order the audit lists them (by
   * performedAt, then the monotonic id), so changes stamped in one millisecond apply in commit order.
   */
  async propertyAt(id: string, at: Date): Promise<PropertyVersion | null> {
    if (!isUuid(id)) throw malformedPropertyId();
    const propertyId = id.toLowerCase();
    const entries = await this.em.find(
      AuditLog,
      { entityType: 'property', entityId: propertyId, performedAt: { $lte: at } },
      { orderBy: { performedAt: 'asc', id: 'asc' }, fields: ['action', 'changes'], disableIdentityMap: true },
    );
    let state: PropertyState | null = null;
    for (const entry of entries) {
      if (entry.action === AuditAction.CREATE) {
        state = applyChanges({ title: '', description: null, isPublished: false }, entry.changes);
      } else if (entry.action === AuditAction.DELETE) {
        state = null;
      } else if (state) {
        state = applyChanges(state, entry.changes);
      }
    }
    return state && Object.assign(new PropertyVersion(), state, { propertyId, at });
  }
}
