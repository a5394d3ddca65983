import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** The browser tests (`npm run test:browser`): they need Chromium, so `npm test` leaves them out. */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/browser/**/*.browser.test.ts'],
    exclude: configDefaults.exclude,
    // One browser at a time: Chromium takes most of a small machine's cores.
    fileParallelism: false,
    testTimeout: 60_000,
  },
});
