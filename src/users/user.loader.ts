import DataLoader from 'dataloader';
import type { GraphQLContext, PerRequest } from '../graphql/context.js';
import type { User } from './user.entity.js';
import { USER_ROW_COLUMNS, userFromRow, type UserRow } from './user.row.js';

/** One loader per request. */
const userLoader: PerRequest<DataLoader<number, User | null>> = {
  make: (context) =>
    new DataLoader(async (ids) => {
      const rows = await context.sql.rows<UserRow>(`select ${USER_ROW_COLUMNS} from users where id = any($1::int[])`, [ids]);
      const byId = new Map(rows.map((row) => [row.id, userFromRow(row)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
};

/**
 * The user behind a relation that the reader did not join in (a mutation's result, say), batched:
 * every user asked for in the same tick comes from one `where id = any(...)` statement. The viewer
 * costs nothing. Null where the user was deleted.
 */
export async function loadUser(context: GraphQLContext, id: number | null): Promise<User | null> {
  if (id === null) return null;
  if (context.viewer?.id === id) return context.viewer;
  return await context.once(userLoader).load(id);
}
