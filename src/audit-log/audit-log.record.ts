import { Reference } from '@mikro-orm/core';
import { instantFromPg } from '../db/pg-instant.js';
import type { User } from '../users/user.entity.js';
import type { AuditAction } from './audit-action.js';
import type { AuditChanges, AuditLog } from './audit-log.entity.js';

/**
 * An audit entry as a reader returns it: plain data for GraphQL's field resolvers. It carries its
 * actor's id, and the actor itself where the request selected it and the reader joined it in.
 */
export class AuditLogRecord {
  private performedAtDate: Date | undefined;

  constructor(
    readonly id: string,
    readonly entityType: string,
    readonly entityId: string,
    readonly action: AuditAction,
    /** As PostgreSQL prints it: made a Date only if a client selects it. */
    private readonly performedAtText: string,
    readonly changes: AuditChanges | null,
    readonly ipAddress: string | null,
    readonly userAgent: string | null,
    readonly performedById: number | null,
    /** `undefined` where the reader did not join the actor. */
    readonly joinedPerformer: User | null | undefined,
    readonly seq: number,
    readonly hash: string,
    readonly previousHash: string | null,
  ) {}

  get performedAt(): Date {
    return (this.performedAtDate ??= instantFromPg(this.performedAtText));
  }
}

export function performerIdOf(entry: AuditLog | AuditLogRecord): number | null {
  if (entry instanceof AuditLogRecord) return entry.performedById;
  return entry.performedBy ? Reference.unwrapReference(entry.performedBy).id : null;
}

export function joinedPerformerOf(entry: AuditLog | AuditLogRecord): User | null | undefined {
  return entry instanceof AuditLogRecord ? entry.joinedPerformer : undefined;
}
