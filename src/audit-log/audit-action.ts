import { registerEnumType } from 'type-graphql';

/** Stored lowercase in `audit_log.action`; exposed by key in GraphQL. */
export enum AuditAction {
  CREATE = 'create',
  UPDATE = 'update',
  DELETE = 'delete',
  PUBLISH = 'publish',
  UNPUBLISH = 'unpublish',
}

registerEnumType(AuditAction, { name: 'AuditAction' });
