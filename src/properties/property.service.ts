import { LockMode, type Ref } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Property } from './property.entity.js';
import { notYourProperty, propertyNotFound } from './property.errors.js';
import { assertMayChange } from './property.visibility.js';
import { propertyIdOf } from './property.reader.js';
import { checkDescription, normalizeTitle } from './property.rules.js';
import type { CreatePropertyInput, UpdatePropertyInput } from './property.inputs.js';
import { User } from '../users/user.entity.js';

export class PropertyService {
  constructor(
    private readonly em: EntityManager,
    private readonly viewer: User | null,
  ) {}

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
