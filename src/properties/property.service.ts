import { LockMode, type Ref } from '@mikro-orm/core';
import { raw, type EntityManager, type QBFilterQuery } from '@mikro-orm/postgresql';
import { Property } from './property.entity.js';
import { propertyFromRow, type PropertyRow } from './property.row.js';
import { malformedPropertyId, notYourProperty, propertyNotFound } from './property.errors.js';
import { assertMayChange, visibleTo } from './property.visibility.js';
import { checkDescription, normalizeTitle } from './property.rules.js';
import {
  PropertyOrderField,
  type CreatePropertyInput,
  type PropertyFilter,
  type PropertyOrder,
  type UpdatePropertyInput,
} from './property.inputs.js';
import { User } from '../users/user.entity.js';
import { userIdOf } from '../users/user.service.js';
import {
  SortDirection,
  cursorString,
  decodeCursor,
  encodeCursor,
  isPgInstant,
  pageOf,
  pageSize,
  type Page,
} from '../graphql/pagination.js';
import { isUuid } from '../shared/ids.js';

type SortColumn = 'created_at' | 'updated_at' | 'title';


/** Each ordering is served by its (column, id) index, walked forwards or backwards. */
const SORTS: Record<PropertyOrderField, { column: SortColumn; property: 'createdAt' | 'updatedAt' | 'title'; keyCast: string; validKey: (key: string) => boolean }> = {
  [PropertyOrderField.CREATED_AT]: { column: 'created_at', property: 'createdAt', keyCast: 'timestamptz', validKey: isPgInstant },
  [PropertyOrderField.UPDATED_AT]: { column: 'updated_at', property: 'updatedAt', keyCast: 'timestamptz', validKey: isPgInstant },
  [PropertyOrderField.TITLE]: { column: 'title', property: 'title', keyCast: 'text', validKey: (key) => key.length <= 255 },
};

export interface PropertyListArgs {
  first?: number | null;
  after?: string | null;
  filter?: PropertyFilter | null;
  orderBy?: PropertyOrder | null;
}

function propertyIdOf(id: string): string {
  if (!isUuid(id)) throw malformedPropertyId();
  return id.toLowerCase();
}

/** `%` and `_` in a search are literal characters, not wildcards. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

function filterWhere(filter: PropertyFilter | null | undefined): QBFilterQuery<Property>[] {
  const conditions: QBFilterQuery<Property>[] = [];
  if (filter?.isPublished != null) conditions.push({ isPublished: filter.isPublished });
  if (filter?.createdBy != null) conditions.push({ createdBy: userIdOf(filter.createdBy, 'createdBy') });
  const search = filter?.search?.trim();
  if (search) {
    // One ILIKE per column, joined by OR: each is served by that column's trigram index (a bitmap OR).
    const pattern = containsPattern(search);
    conditions.push({ $or: [{ title: { $ilike: pattern } }, { description: { $ilike: pattern } }] });
  }
  return conditions;
}

export class PropertyService {
  constructor(
    private readonly em: EntityManager,
    private readonly viewer: User | null,
  ) {}

  /** The property, or null where it does not exist or the viewer may not see it. */
  async findVisible(id: string): Promise<Property | null> {
    return await this.em.findOne(Property, { $and: [{ id: propertyIdOf(id) }, visibleTo(this.viewer)] });
  }

  /** The properties the viewer may see, filtered, in one keyset page. */
  async list(args: PropertyListArgs): Promise<Page<Property>> {
    const first = pageSize(args.first, 20);
    const field = args.orderBy?.field ?? PropertyOrderField.CREATED_AT;
    const direction = args.orderBy?.direction ?? SortDirection.DESC;
    const sort = SORTS[field];
    const ordering = `properties:${field}:${direction}`;
    const where: QBFilterQuery<Property> = { $and: [visibleTo(this.viewer), ...filterWhere(args.filter)] };
    const order = direction === SortDirection.ASC ? 'asc' : 'desc';
    const qb = this.em
      .createQueryBuilder(Property, 'p')
      .select('*')
      .where(where)
      .orderBy({ [sort.property]: order, id: order })
      .limit(first + 1);
    let afterGiven = false;
    if (args.after != null) {
      const [key, id] = decodeCursor(args.after, ordering, 2);
      const position = [cursorString(key, sort.validKey), cursorString(id, isUuid)];
      const comparison = order === 'asc' ? '>' : '<';
      qb.andWhere(raw(`(p.${sort.column}, p.id) ${comparison} (?::${sort.keyCast}, ?::uuid)`, position));
      afterGiven = true;
    }
    const rows = await qb.execute<PropertyRow[]>('all', false);
    return pageOf(
      rows,
      first,
      afterGiven,
      (row) => ({ cursor: encodeCursor(ordering, [row[sort.column], row.id]), node: propertyFromRow(this.em, row) }),
      () => this.em.count(Property, where),
    );
  }

  async create(input: CreatePropertyInput): Promise<Property> {
    const actorId = this.actor().id;
    const title = normalizeTitle(input.title);
    const description = checkDescription(input.description);
    const isPublished = input.isPublished ?? false;
    return await this.em.transactional(async (tx) => {
      const actor = this.actorReference(tx, actorId);
      return tx.create(Property, {
        title,
        description,
        isPublished,
        createdBy: actor,
        updatedBy: actor,
        publishedBy: isPublished ? actor : null,
      });
    });
  }

  /** Applies only what differs: an update that changes nothing writes nothing (no audit entry, no updatedBy). */
  async update(id: string, input: UpdatePropertyInput): Promise<Property> {
    const propertyId = propertyIdOf(id);
    const actorId = this.actor().id;
    const title = input.title !== undefined ? normalizeTitle(input.title) : undefined;
    const description = input.description !== undefined ? checkDescription(input.description) : undefined;
    return await this.em.transactional(async (tx) => {
      const property = await this.lockForChange(tx, propertyId);
      let changed = false;
      if (title !== undefined && title !== property.title) {
        property.title = title;
        changed = true;
      }
      if (description !== undefined && description !== property.description) {
        property.description = description;
        changed = true;
      }
      if (changed) property.updatedBy = this.actorReference(tx, actorId);
      return property;
    });
  }

  /** Publishing a published property succeeds and writes nothing. */
  async publish(id: string): Promise<Property> {
    const propertyId = propertyIdOf(id);
    const actorId = this.actor().id;
    return await this.em.transactional(async (tx) => {
      const property = await this.lockForChange(tx, propertyId);
      if (property.isPublished) return property;
      const actor = this.actorReference(tx, actorId);
      property.isPublished = true;
      property.publishedBy = actor;
      property.updatedBy = actor;
      return property;
    });
  }

  /** Back to a draft, which has no publisher (who published it before stays in the audit log); a draft stays untouched. */
  async unpublish(id: string): Promise<Property> {
    const propertyId = propertyIdOf(id);
    const actorId = this.actor().id;
    return await this.em.transactional(async (tx) => {
      const property = await this.lockForChange(tx, propertyId);
      if (!property.isPublished) return property;
      property.isPublished = false;
      property.publishedBy = null;
      property.updatedBy = this.actorReference(tx, actorId);
      return property;
    });
  }

  /** Returns the id of the deleted property. */
  async delete(id: string): Promise<string> {
    const propertyId = propertyIdOf(id);
    this.actor();
    return await this.em.transactional(async (tx) => {
      const property = await this.lockForChange(tx, propertyId);
      tx.remove(property);
      return property.id;
    });
  }

  /**
   * The row, locked until the transaction ends, so that concurrent changes to one property run one
   * after another and each sees (and audits against) the previous one's result.
   */
  private async lockForChange(tx: EntityManager, id: string): Promise<Property> {
    const property = await tx.findOne(Property, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!property) throw propertyNotFound();
    assertMayChange(property, this.actor());
    return property;
  }

  private actorReference(tx: EntityManager, actorId: number): Ref<User> {
    return tx.getReference(User, actorId, { wrapped: true });
  }

  /** Mutations sit behind @auth(requires: AGENT), so a viewer is always there; refuse rather than assume. */
  private actor(): User {
    if (!this.viewer) throw notYourProperty();
    return this.viewer;
  }
}
