import { Arg, Ctx, Directive, ID, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../graphql/context.js';
import { AuditChainCheck } from './audit-chain-check.type.js';
import { verifyEntityChain } from './audit-chain.verifier.js';

@Resolver(() => AuditChainCheck)
export class AuditChainResolver {
  @Query(() => AuditChainCheck, { description: "Recomputes one entity's audit chain." })
  @Directive('@auth(requires: ADMIN)')
  async verifyAuditChain(
    @Arg('entityType', () => String) entityType: string,
    @Arg('entityId', () => ID) entityId: string,
    @Ctx() { sql }: GraphQLContext,
  ): Promise<AuditChainCheck> {
    return Object.assign(new AuditChainCheck(), await verifyEntityChain(sql, entityType, entityId));
  }
}
