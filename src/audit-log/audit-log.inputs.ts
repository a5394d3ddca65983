import { Field, ID, InputType } from 'type-graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { AuditAction } from './audit-action.js';

@InputType('AuditLogFilter')
export class AuditLogFilter {
  @Field(() => String, { nullable: true })
  entityType?: string | null;

  @Field(() => ID, { nullable: true })
  entityId?: string | null;

  @Field(() => [AuditAction], { nullable: true })
  actions?: AuditAction[] | null;

  @Field(() => ID, { nullable: true })
  performedBy?: string | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Inclusive lower bound on performedAt.' })
  from?: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: 'Exclusive upper bound on performedAt.' })
  to?: Date | null;

  @Field(() => String, { nullable: true, description: 'Entries whose changes touch this field name.' })
  changedField?: string | null;
}
