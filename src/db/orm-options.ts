import { DataloaderType } from '@mikro-orm/core';
import { defineConfig } from '@mikro-orm/postgresql';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Pool } from 'pg';
import { releaseDroppedConnections } from './pool-guard.js';
import { observeStatements } from './statement-observer.js';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { User } from '../users/user.entity.js';
import { Property } from '../properties/property.entity.js';
import { AuditLog } from '../audit-log/audit-log.entity.js';
import { AuditLogHead } from '../audit-log/audit-log-head.entity.js';
import { AuditLogSubscriber } from '../audit-log/audit-log.subscriber.js';

export const ENTITIES = [User, Property, AuditLog, AuditLogHead];

/** The project root, or dist/ in a compiled run: migrations sit beside src/ in both. */
const codeRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const runningCompiled = import.meta.url.endsWith('.js');

export interface OrmOptionsInput {
  clientUrl: string;
  statementTimeoutMs?: number;
  poolMax?: number;
  debug?: boolean;
  /** Sees every SQL statement sent on the pool (tests and the bench count statements per request with it). */
  observeQuery?: (sql: string) => void;
  /** false builds the ORM without the audit hook: only for measuring its cost (bench/audit-overhead.ts). */
  audit?: boolean;
}

export function ormOptions(input: OrmOptionsInput) {
  return defineConfig({
    driver: PostgreSqlDriver,
    clientUrl: input.clientUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    dataloader: DataloaderType.ALL,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: input.debug ?? false,
    pool: { min: 0, max: input.poolMax ?? 10, idleTimeoutMillis: 30_000 },
    driverOptions: {
      connectionTimeoutMillis: 5_000,
      ...(input.statementTimeoutMs ? { statement_timeout: input.statementTimeoutMs } : {}),
      application_name: 'bestays-api',
      onPoolCreated: (pool: Pool) => {
        releaseDroppedConnections(pool);
        if (input.observeQuery) observeStatements(pool, input.observeQuery);
      },
    },
    migrations: {
      path: join(codeRoot, 'migrations'),
      glob: runningCompiled ? '!(*.d).js' : '!(*.d).{js,ts}',
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: true,
      snapshotName: '.snapshot',
      // The snapshot is written by migration:create alone; running migrations must not rewrite a committed file.
      snapshotOnMigrate: false,
      emit: 'ts',
      silent: true,
    },
    // audit_log_entry_hash is created by a migration and called from SQL only; the ORM leaves it be.
    schemaGenerator: { ignoreRoutines: true },
    subscribers: input.audit === false ? [] : [new AuditLogSubscriber()],
  });
}
