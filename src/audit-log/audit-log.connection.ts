import { connectionType } from '../graphql/pagination.js';
import { AuditLog } from './audit-log.entity.js';

export const AuditLogConnection = connectionType('AuditLog', AuditLog);
export type AuditLogConnection = InstanceType<typeof AuditLogConnection>;
