import type { TestServer } from './server.js';

export interface SeedEntriesOptions {
  entityType?: string;
  entityIds: string[];
  perEntity: number;
  /** performed_by rotates through these user ids. */
  performers: (number | string)[];
  action?: string;
  changes?: Record<string, { old: unknown; new: unknown }>;
  /** performed_at = base + n seconds, in insertion order. */
  from?: Date;
}

/** Audit entries inserted directly (the table refuses only UPDATE, DELETE and TRUNCATE), to set up lists fast. */
export async function seedAuditEntries(server: TestServer, options: SeedEntriesOptions): Promise<void> {
  await server.sql(
    `insert into audit_log (id, entity_type, entity_id, action, performed_by, performed_at, changes)
     select gen_random_uuid(), $1, e.entity_id, $2,
            ($3::int[])[1 + ((e.ord::int - 1) * $4 + n) % cardinality($3::int[])],
            $5::timestamptz + make_interval(secs => (e.ord - 1) * $4 + n),
            $6::jsonb
     from unnest($7::text[]) with ordinality as e(entity_id, ord)
     cross join generate_series(0, $4::int - 1) as n`,
    [
      options.entityType ?? 'property',
      options.action ?? 'update',
      options.performers.map(Number),
      options.perEntity,
      (options.from ?? new Date('2026-01-01T00:00:00Z')).toISOString(),
      JSON.stringify(options.changes ?? { title: { old: 'a', new: 'b' } }),
      options.entityIds,
    ],
  );
}
