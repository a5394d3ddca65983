import { OptionalProps, type Ref } from '@mikro-orm/core';
import { Entity, Index, Trigger, ManyToOne, PrimaryKey, Property as Column } from '@mikro-orm/decorators/legacy';
import { Field, ID, ObjectType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { v7 as uuidv7 } from 'uuid';
import { requireEntryTriggerDdl, REQUIRE_ENTRY_FUNCTION_DDL } from '../audit-log/audit-chain.js';
import { User } from '../users/user.entity.js';

/** Completeness: no insert, delete or change of an audited column commits without its audit_log entry. */
const REQUIRES_AUDIT_ENTRY = requireEntryTriggerDdl('properties', 'property', ['title', 'description', 'is_published']);

@Trigger({ name: 'require_audit_entry', timing: 'after', events: ['insert', 'delete'], expression: `${REQUIRE_ENTRY_FUNCTION_DDL};\n${REQUIRES_AUDIT_ENTRY.onWrite}` })
@Trigger({ name: 'require_audit_entry_on_update', timing: 'after', events: ['update'], expression: REQUIRES_AUDIT_ENTRY.onUpdate })
@ObjectType('Property', { simpleResolvers: true })
@Entity({ tableName: 'properties', comment: 'Listings that agents create and publish' })
@Index({ name: 'idx_properties_created_at_id', properties: ['createdAt', 'id'] })
@Index({ name: 'idx_properties_updated_at_id', properties: ['updatedAt', 'id'] })
@Index({ name: 'idx_properties_title_id', properties: ['title', 'id'] })
@Index({
  name: 'idx_properties_title_trgm',
  expression: 'create index "idx_properties_title_trgm" on "properties" using gin ("title" gin_trgm_ops)',
})
@Index({
  name: 'idx_properties_description_trgm',
  expression: 'create index "idx_properties_description_trgm" on "properties" using gin ("description" gin_trgm_ops)',
})
export class Property {
  [OptionalProps]?: 'description' | 'isPublished' | 'createdAt' | 'updatedAt' | 'createdBy' | 'updatedBy' | 'publishedBy';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Field(() => String)
  @Column({ type: 'string', length: 255 })
  title!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description: string | null = null;

  @Field(() => Boolean)
  @Index({ name: 'idx_properties_is_published' })
  @Column({ type: 'boolean', default: false })
  isPublished: boolean = false;

  @Field(() => DateTimeResolver)
  @Column({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Field(() => DateTimeResolver)
  @Column({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Index({ name: 'idx_properties_created_by' })
  @ManyToOne({
    entity: () => User,
    ref: true,
    nullable: true,
    deleteRule: 'set null',
    fieldName: 'created_by',
    foreignKeyName: 'fk_properties_created_by',
  })
  createdBy: Ref<User> | null = null;

  @ManyToOne({
    entity: () => User,
    ref: true,
    nullable: true,
    deleteRule: 'set null',
    fieldName: 'updated_by',
    foreignKeyName: 'fk_properties_updated_by',
  })
  updatedBy: Ref<User> | null = null;

  @ManyToOne({
    entity: () => User,
    ref: true,
    nullable: true,
    deleteRule: 'set null',
    fieldName: 'published_by',
    foreignKeyName: 'fk_properties_published_by',
  })
  publishedBy: Ref<User> | null = null;
}
