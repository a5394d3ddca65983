import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { openDatabase } from './database.js';
import { createOrm, migrateDownOne, migrateUp } from './orm.js';

/** `npm run migrate` (all pending up) and `npm run migrate:down` (one step down). */
async function main(direction: string | undefined): Promise<void> {
  if (direction !== 'up' && direction !== 'down') {
    console.error('usage: migrate.cli.ts up|down');
    process.exit(2);
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const database = await openDatabase(config, logger);
  const orm = await createOrm({ clientUrl: database.url });
  try {
    const names = direction === 'up' ? await migrateUp(orm) : await migrateDownOne(orm);
    const verb = direction === 'up' ? 'applied' : 'reverted';
    console.log(names.length === 0 ? `nothing to do: no migration ${verb}` : `${verb}: ${names.join(', ')}`);
  } finally {
    await orm.close();
    await database.stop();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
