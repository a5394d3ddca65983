import DataLoader from 'dataloader';
import type { GraphQLContext } from '../graphql/context.js';
import type { User } from './user.entity.js';
import { USER_ROW_COLUMNS, userFromRow, type UserRow } from './user.row.js';

// One loader per request: keyed by the request's context, gone with it.
const loaders = new WeakMap<GraphQLContext, DataLoader<number, User | null>>();

function loaderFor(context: GraphQLContext): DataLoader<number, User | null> {
  let loader = loaders.get(context);
  if (!loader) {
    loader = new DataLoader(async (ids) => {
      const rows = await context.sql.rows<UserRow>(
        `select ${USER_ROW_COLUMNS} from users where id = any($1::int[])`,
        [ids],
      );
      const byId = new Map(rows.map((row) => [row.id, userFromRow(row)]));
      return ids.map((id) => byId.get(id) ?? null);
    });
    loaders.set(context, loader);
  }
  return loader;
}

/**
 * The user behind a relation that the reader did not join in (a mutation's result, say), batched:
 * every user asked for in the same tick comes from one `where id = any(...)` statement. The viewer
 * costs nothing. Null where the user was deleted.
 */
export async function loadUser(context: GraphQLContext, id: number | null): Promise<User | null> {
  if (id === null) return null;
  if (context.viewer?.id === id) return context.viewer;
  return await loaderFor(context).load(id);
}
