import { Arg, Ctx, Directive, FieldResolver, Info, Int, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { AuditLog } from './audit-log.entity.js';
import { AuditLogFilter } from './audit-log.inputs.js';
import { AuditLogConnection } from './audit-log.connection.js';
import { AuditLogReader } from './audit-log.reader.js';
import { joinedPerformerOf, performerIdOf, type AuditLogRecord } from './audit-log.record.js';
import { User } from '../users/user.entity.js';
import { loadUser } from '../users/user.loader.js';
import { entrySelection } from './audit-log.selection.js';
import type { GraphQLContext } from '../graphql/context.js';

@Resolver(() => AuditLog)
export class AuditLogResolver {
  @Query(() => AuditLogConnection, { nullable: true, description: 'Audit entries, newest first.' })
  @Directive('@auth(requires: ADMIN)')
  async auditLogs(
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => AuditLogFilter, { nullable: true }) filter: AuditLogFilter | null,
    @Ctx() { sql }: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<AuditLogConnection> {
    return new AuditLogConnection(await new AuditLogReader(sql).list({ first, after, filter }, entrySelection(info)));
  }

  @FieldResolver(() => User, { nullable: true, description: 'Null where the actor was deleted since.' })
  performedBy(@Root() entry: AuditLog | AuditLogRecord, @Ctx() context: GraphQLContext): User | null | Promise<User | null> {
    const joined = joinedPerformerOf(entry);
    return joined !== undefined ? joined : loadUser(context, performerIdOf(entry));
  }
}
