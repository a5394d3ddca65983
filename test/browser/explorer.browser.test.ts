import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn } from '../support/users.js';
import { launchChromium, type Chromium } from './support/chromium.js';

const ARTIFACTS = join(import.meta.dirname, '.artifacts');
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost']);

function staysOnThisMachine(href: string): boolean {
  const url = new URL(href);
  return LOCAL_HOSTS.has(url.hostname) || url.protocol === 'data:' || url.protocol === 'blob:';
}

/** Lets only requests to this machine through; returns the URLs of every other request the pages tried. */
async function cutTheNetwork(context: BrowserContext): Promise<Set<string>> {
  const offsite = new Set<string>();
  await context.route('**/*', async (route) => {
    if (staysOnThisMachine(route.request().url())) {
      await route.continue();
      return;
    }
    offsite.add(route.request().url());
    await route.abort('internetdisconnected');
  });
  // Requests the routing does not see (a worker's, say) still show up here.
  context.on('request', (request) => {
    if (!staysOnThisMachine(request.url())) offsite.add(request.url());
  });
  return offsite;
}

/** Types into a Monaco editor as a person would, then drops the brackets the editor closed on its own. */
async function replaceText(page: Page, editor: Locator, text: string): Promise<void> {
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
  await page.keyboard.press('Control+Shift+End');
  await page.keyboard.press('Delete');
  // Back to the start, so that a long line (a token) shows its beginning in the screenshot.
  await page.keyboard.press('Control+Home');
}

describe('the explorer in Chromium, with the network cut', () => {
  let api: TestServer;
  let browser: Chromium;
  beforeAll(async () => {
    api = await startTestServer();
    browser = await launchChromium({ offline: true });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('runs a query with the bearer token from its headers editor, on assets served by the API alone', async () => {
    const user = await signIn(api);
    const offsite = await cutTheNetwork(browser.context);
    const page = await browser.context.newPage();
    const failedAssets: string[] = [];
    page.on('requestfailed', (request) => failedAssets.push(request.url()));

    await page.goto(`${api.url}/graphql`);
    const queryEditor = page.locator('.graphiql-query-editor .monaco-editor');
    await queryEditor.waitFor({ timeout: 30_000 });
    await replaceText(page, queryEditor, '{ me { id email role } }');

    await page.getByRole('button', { name: 'Headers' }).click();
    const headersEditor = page.locator('.graphiql-editor-tool .monaco-editor[data-uri$="headers.json"]');
    await replaceText(page, headersEditor, JSON.stringify({ Authorization: `Bearer ${user.token}` }));

    await page.locator('.graphiql-execute-button').click();
    await page.locator('.graphiql-response').getByText(user.email).waitFor({ timeout: 15_000 });
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'explorer.png') });

    const answer = ((await page.locator('.graphiql-response').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(answer).toContain(`"id": "${user.id}"`);
    expect(answer).toContain(`"email": "${user.email}"`);
    expect(answer).toContain('"role": "USER"');
    expect([...offsite]).toEqual([]);
    expect(failedAssets).toEqual([]);

    // The cut holds and is seen: a CDN is out of reach, and the attempt is recorded.
    const probe = await page.evaluate(() => fetch('https://unpkg.com/ruru/').then(() => 'reached', () => 'unreachable'));
    expect(probe).toBe('unreachable');
    expect([...offsite]).toEqual(['https://unpkg.com/ruru/']);
  });
});
