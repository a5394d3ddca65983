import { Arg, Directive, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLContext } from '../graphql/context.js';
import { AuditLog } from './audit-log.entity.js';
import { AuditLogFilter } from './audit-log.inputs.js';
import type { AuditLogRecord } from './audit-log.record.js';
import { followAuditLog } from './audit-feed.subscription.js';

@Resolver()
export class AuditFeedResolver {
  @Subscription(() => AuditLog, {
    description: 'Each audit entry once, after its transaction commits; from and to are ignored.',
    subscribe: ({ args, context, info }) =>
      followAuditLog((args as { filter?: AuditLogFilter | null }).filter, context as GraphQLContext, info),
  })
  @Directive('@auth(requires: ADMIN)')
  auditLogAdded(
    @Root() entry: AuditLogRecord,
    // Read by the subscribe function above; declared here so that the schema has the argument.
    @Arg('filter', () => AuditLogFilter, { nullable: true }) _filter: AuditLogFilter | null,
  ): AuditLogRecord {
    return entry;
  }
}
