import type { GraphQLResponse, TestServer } from './server.js';
import type { SignedInUser } from './users.js';

export interface CreatedProperty {
  id: string;
  title: string;
  description: string | null;
  isPublished: boolean;
}

export const codesOf = (response: GraphQLResponse): unknown[] => (response.errors ?? []).map((error) => error.extensions?.code);

/** A property created through the API by `as`, so it carries its creator and its audit entry. */
export async function createPropertyAs(
  server: TestServer,
  as: SignedInUser,
  input: { title: string; description?: string | null; isPublished?: boolean },
): Promise<CreatedProperty> {
  const response = await server.gql<{ createProperty: CreatedProperty }>(
    'mutation($input: CreatePropertyInput!) { createProperty(input: $input) { id title description isPublished } }',
    { token: as.token, variables: { input } },
  );
  if (!response.data?.createProperty) throw new Error(`createProperty failed: ${JSON.stringify(response.errors)}`);
  return response.data.createProperty;
}

export interface SeedOptions {
  count: number;
  titlePrefix?: string;
  isPublished?: boolean | 'alternate';
  /** User ids; row i gets users[i % users.length] as creator, the next one as updater and publisher. */
  users?: (number | string)[];
  /** created_at = base + i seconds; omit to give every row the same now() (ties broken by id). */
  spacedFrom?: Date;
}

/**
 * Rows inserted in one set-based statement, bypassing the API to set up lists fast, each with the
 * CREATE entry the database demands, written by the same statement.
 */
export async function seedProperties(server: TestServer, options: SeedOptions): Promise<string[]> {
  const users = (options.users ?? []).map(Number);
  const rows = await server.sql<{ id: string }>(
    `with inserted as (insert into properties (id, title, description, is_published, created_at, updated_at, created_by, updated_by, published_by)
     select gen_random_uuid(),
            $1 || ' ' || lpad(i::text, 4, '0'),
            'Description ' || i,
            case $2 when 'alternate' then i % 2 = 0 else $2::boolean end,
            coalesce($3::timestamptz + make_interval(secs => i), now()),
            coalesce($3::timestamptz + make_interval(secs => i), now()),
            ($4::int[])[1 + i % greatest(cardinality($4::int[]), 1)],
            ($4::int[])[1 + (i + 1) % greatest(cardinality($4::int[]), 1)],
            ($4::int[])[1 + (i + 2) % greatest(cardinality($4::int[]), 1)]
     from generate_series(0, $5::int - 1) as i
     returning id, title, description, is_published, created_by, published_by),
     audited as (
       insert into audit_log (id, entity_type, entity_id, action, performed_by, changes)
       select gen_random_uuid(), 'property', id::text, 'create', created_by,
              jsonb_build_object('title', jsonb_build_object('old', null, 'new', title),
                                 'description', jsonb_build_object('old', null, 'new', description),
                                 'isPublished', jsonb_build_object('old', null, 'new', is_published),
                                 'createdBy', jsonb_build_object('old', null, 'new', created_by::text),
                                 'publishedBy', jsonb_build_object('old', null, 'new', published_by::text))
       from inserted
     )
     select id from inserted`,
    [
      options.titlePrefix ?? 'Seeded',
      String(options.isPublished ?? true),
      options.spacedFrom?.toISOString() ?? null,
      users,
      options.count,
    ],
  );
  return rows.map((row) => row.id);
}
