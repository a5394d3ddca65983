import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { signIn } from '../support/users.js';
import { signToken } from '../support/tokens.js';
import { launchChromium, type Chromium } from './support/chromium.js';
import { servePage, type PageServer } from './support/page-server.js';

/** A frontend's page: it asks the API who is signed in and shows the answer, or the failure. */
function frontendPage(apiUrl: string, token: string): string {
  return `<!doctype html>
<html><body>
<pre id="result">pending</pre>
<script type="module">
  const result = document.getElementById('result');
  try {
    const response = await fetch(${JSON.stringify(`${apiUrl}/graphql`)}, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: ${JSON.stringify(`Bearer ${token}`)} },
      body: JSON.stringify({ query: '{ me { id email } }' }),
    });
    result.textContent = JSON.stringify(await response.json());
    result.dataset.state = 'answered';
  } catch (error) {
    result.textContent = String(error);
    result.dataset.state = 'failed';
  }
</script>
</body></html>`;
}

async function shownResult(page: Page, url: string): Promise<{ state: string | null; text: string }> {
  await page.goto(url);
  const result = page.locator('#result[data-state]');
  await result.waitFor({ timeout: 15_000 });
  return { state: await result.getAttribute('data-state'), text: (await result.textContent()) ?? '' };
}

describe('a browser page on another origin (Chromium, default development origins)', () => {
  let api: TestServer;
  let browser: Chromium;
  const pages: PageServer[] = [];
  beforeAll(async () => {
    api = await startTestServer();
    browser = await launchChromium({ loopbackHosts: ['refused.test'] });
  });
  afterAll(async () => {
    await browser?.close();
    for (const page of pages) await page.close();
    await api?.close();
  });

  it('calls the API with its bearer token and shows the answer', async () => {
    const user = await signIn(api);
    const frontend = await servePage(frontendPage(api.url, user.token));
    pages.push(frontend);
    const page = await browser.context.newPage();

    const shown = await shownResult(page, `http://localhost:${frontend.port}/`);

    expect(shown.state).toBe('answered');
    expect(JSON.parse(shown.text)).toEqual({ data: { me: { id: user.id, email: user.email } } });
  });

  it('is refused by the browser when its origin is not allowed, and the request never runs', async () => {
    const clerkUserId = `refused_${Date.now()}`;
    const token = await signToken(clerkUserId);
    const frontend = await servePage(frontendPage(api.url, token));
    pages.push(frontend);
    const page = await browser.context.newPage();
    const console: string[] = [];
    page.on('console', (message) => console.push(message.text()));

    const shown = await shownResult(page, `http://refused.test:${frontend.port}/`);

    expect(shown).toEqual({ state: 'failed', text: 'TypeError: Failed to fetch' });
    expect(console.join('\n')).toMatch(/from origin 'http:\/\/refused\.test:\d+' has been blocked by CORS policy/);
    // The preflight failed, so the POST was never sent: its first sign-in would have created the user.
    expect(await api.sql('select id from users where clerk_user_id = $1', [clerkUserId])).toEqual([]);
  });
});
