import type { MikroORM } from '@mikro-orm/postgresql';
import type { SqlReader } from '../db/sql-reader.js';
import { SYSTEM_USER_CLERK_ID, type User } from '../users/user.entity.js';
import { USER_ROW_COLUMNS, userFromRow, type UserRow } from '../users/user.row.js';
import { invalidToken } from './auth.errors.js';
import { resolveViewer, type RequestOrigin } from './identity.js';
import type { VerifiedToken } from './token.js';
import type { ViewerCache } from './viewer-cache.js';

const MAX_SUBJECT_LENGTH = 255;

/**
 * The user a verified token names, as of the moment the request began: from the process's cache
 * where the database has not invalidated it, else one prepared statement, else (a first sign-in)
 * created through the unit of work with its audit entry.
 */
export class Viewers {
  constructor(
    private readonly orm: MikroORM,
    private readonly sql: SqlReader,
    private readonly cache: ViewerCache | undefined,
  ) {}

  async viewerFor(token: VerifiedToken, origin: RequestOrigin): Promise<User> {
    if (token.subject === SYSTEM_USER_CLERK_ID) throw invalidToken('the system user cannot sign in');
    if (token.subject.length > MAX_SUBJECT_LENGTH) throw invalidToken('its subject is too long');
    return (await this.currentViewer(token)) ?? userFromRow(await this.firstSignIn(token, origin));
  }

  /**
   * The user a token names as of now (or, for work a notification started, as of that
   * notification), or null once deleted: never created, since a subscription re-checks with it a
   * viewer that signed in when it began.
   */
  async currentViewer(token: VerifiedToken, asOf: 'now' | 'last-notification' = 'now'): Promise<User | null> {
    const cached = await this.cache?.find(token.subject, asOf);
    if (cached) return cached;
    const readAt = this.cache?.mark() ?? 0;
    const [row] = await this.sql.rows<UserRow>(
      `select ${USER_ROW_COLUMNS} from users where clerk_user_id = $1`,
      [token.subject],
    );
    if (!row) return null;
    const user = userFromRow(row);
    this.cache?.remember(token.subject, user, readAt);
    return user;
  }

  private async firstSignIn(token: VerifiedToken, origin: RequestOrigin): Promise<UserRow> {
    const created = await resolveViewer(this.orm.em.fork(), token, origin);
    return {
      id: created.id,
      role: created.role,
      email: created.email,
      clerk_user_id: created.clerkUserId,
      created_at: created.createdAt,
      updated_at: created.updatedAt,
    };
  }
}
