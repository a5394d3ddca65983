import { Arg, Ctx, Directive, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { AuditLog } from './audit-log.entity.js';
import { AuditLogFilter } from './audit-log.inputs.js';
import { AuditLogConnection } from './audit-log.connection.js';
import { AuditLogService } from './audit-log.service.js';
import { User } from '../users/user.entity.js';
import { loadUser } from '../users/user.loader.js';
import type { GraphQLContext } from '../graphql/context.js';

@Resolver(() => AuditLog)
export class AuditLogResolver {
  @Query(() => AuditLogConnection, { nullable: true, description: 'Audit entries, newest first.' })
  @Directive('@auth(requires: ADMIN)')
  async auditLogs(
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('filter', () => AuditLogFilter, { nullable: true }) filter: AuditLogFilter | null,
    @Ctx() { em }: GraphQLContext,
  ): Promise<AuditLogConnection> {
    return new AuditLogConnection(await new AuditLogService(em).list({ first, after, filter }));
  }

  @FieldResolver(() => User, { nullable: true, description: 'Null where the actor was deleted since.' })
  async performedBy(@Root() entry: AuditLog, @Ctx() { em }: GraphQLContext): Promise<User | null> {
    return await loadUser(em, entry.performedBy);
  }
}
