import { connectionType } from '../graphql/pagination.js';
import { AuditLog } from './audit-log.entity.js';
import type { AuditLogRecord } from './audit-log.record.js';

export const AuditLogConnection = connectionType<AuditLogRecord>('AuditLog', AuditLog);
export type AuditLogConnection = InstanceType<typeof AuditLogConnection>;
