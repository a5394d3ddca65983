import type { EntityManager } from '@mikro-orm/postgresql';
import { Property } from './property.entity.js';
import { malformedPropertyId } from './property.errors.js';
import { visibleTo } from './property.visibility.js';
import type { User } from '../users/user.entity.js';
import { isUuid } from '../shared/ids.js';

export class PropertyService {
  constructor(
    private readonly em: EntityManager,
    private readonly viewer: User | null,
  ) {}

  /** The property, or null where it does not exist or the viewer may not see it. */
  async findVisible(id: string): Promise<Property | null> {
    if (!isUuid(id)) throw malformedPropertyId();
    return await this.em.findOne(Property, { $and: [{ id }, visibleTo(this.viewer)] });
  }
}
