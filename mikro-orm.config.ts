import { ormOptions } from './src/db/orm-options.js';

/** Used by the mikro-orm CLI (migration:create, migration:check); the server builds its own. */
export default ormOptions({ clientUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/bestays' });
