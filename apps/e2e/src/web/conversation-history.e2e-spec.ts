import { type Browser, type Page } from 'playwright-core';
import { api, newClient, newStaff, type Account } from '../support/api';
import { launchChromium, screenshot, seriousViolations, watchPage } from '../support/browser';
import { submitRequest } from '../support/requests';
import { e2eState } from '../support/state';

// A long conversation in a real browser: it opens on its newest messages (one page, not the whole
// history), older ones load as the reader scrolls up, the place kept, and live messages still
// come at the bottom.
jest.setTimeout(180_000);

const TOTAL = 300;

describe('a long conversation in the web app (headless Chromium)', () => {
  let browser: Browser;
  let page: Page;
  let client: Account;
  let agent: Account;
  let conversationId = '';
  let requestId = '';
  const problems: string[] = [];

  beforeAll(async () => {
    [client, agent] = await Promise.all([newClient('Layla'), newStaff('agent')]);
    const request = await submitRequest(client, {
      type: 'travel',
      description: 'Two seats to Petra 🏜️ — رحلة إلى البتراء',
    });
    requestId = request.id;
    conversationId = request.conversation_id;
    // seq 2..TOTAL: "message N" at seq N, from both sides.
    for (let seq = 2; seq <= TOTAL; seq++) {
      const sender = seq % 4 === 0 ? agent : client;
      const posted = await api('POST', '/api/v1/messages', {
        token: sender.tokens.access_token,
        body: { conversation_id: conversationId, content: `message ${seq} مرحبا 🌙` },
      });
      if (posted.body?.seq !== seq) throw new Error(`seeding: ${JSON.stringify(posted.body)}`);
    }

    browser = await launchChromium();
    const context = await browser.newContext({
      baseURL: e2eState().gatewayUrl,
      viewport: { width: 1100, height: 800 },
      locale: 'en-GB',
    });
    // Signed in as the client (the web app keeps its session in localStorage).
    const session = JSON.stringify({
      accessToken: client.tokens.access_token,
      refreshToken: client.tokens.refresh_token,
      expiresAt: Date.now() + client.tokens.expires_in * 1000,
    });
    await context.addInitScript(`localStorage.setItem('ajla.session', ${JSON.stringify(session)})`);
    page = await context.newPage();
    watchPage(page, problems);
  });

  afterAll(async () => {
    await browser?.close();
  });

  const list = () => page.getByRole('list', { name: 'Conversation history' });
  const seqs = async (): Promise<number[]> =>
    list().evaluate((element: any) =>
      [...element.querySelectorAll('li')].map((item: any) =>
        Number(/message (\d+)/.exec(item.textContent)?.[1] ?? 1),
      ),
    );
  const item = (seq: number) =>
    list()
      .getByRole('listitem')
      .filter({ hasText: `message ${seq} ` });
  /** Where a message is, from the top of the list's box (px). */
  const offsetOf = async (seq: number): Promise<number> => {
    const box = (await list().boundingBox())!;
    return (await item(seq).boundingBox())!.y - box.y;
  };
  const atBottom = () =>
    list().evaluate(
      (element: any) => element.scrollHeight - element.scrollTop - element.clientHeight < 48,
    );

  it('opens on the newest page, at the bottom, and goes live from its last message', async () => {
    const sockets: string[] = [];
    page.on('websocket', (socket) => sockets.push(socket.url()));
    await page.goto(`/requests/${requestId}`);
    await page.getByText('Connected', { exact: true }).waitFor();
    await item(TOTAL).waitFor();
    expect(await item(TOTAL).isVisible()).toBe(true);
    expect(await seqs()).toEqual(Array.from({ length: 50 }, (_, i) => TOTAL - 49 + i));
    expect(await atBottom()).toBe(true);
    expect(sockets.find((url) => url.includes('/ws/chat/'))).toContain(`after_seq=${TOTAL}`);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'conversation-newest');
  });

  it('loads older messages on scrolling to the top, keeping what was on screen in place', async () => {
    const firstShown = TOTAL - 49;
    await list().evaluate((element: any) => {
      element.scrollTop = 0;
    });
    await page.waitForFunction(
      () => (globalThis as any).document.querySelectorAll('ol.messages li').length >= 100,
      undefined,
      { timeout: 20_000 },
    );
    // The message that was at the top is still where the reader left it: near the box's top.
    expect(Math.abs(await offsetOf(firstShown))).toBeLessThan(60);
    expect((await seqs()).slice(0, 3)).toEqual([firstShown - 50, firstShown - 49, firstShown - 48]);

    // With the keyboard only: the list takes focus, Home goes up, page after page, to the start.
    await list().focus();
    for (
      let i = 0;
      i < 12 && !(await page.getByText('Start of the conversation').isVisible());
      i++
    ) {
      await page.keyboard.press('Home');
      await page.waitForTimeout(500);
    }
    await page.getByText('Start of the conversation').waitFor({ timeout: 20_000 });
    expect(await seqs()).toEqual(Array.from({ length: TOTAL }, (_, i) => i + 1));
    await list().getByText('Two seats to Petra 🏜️ — رحلة إلى البتراء').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('puts a live message at the bottom and follows it when the reader is there', async () => {
    await list().focus();
    await page.keyboard.press('End');
    await page.waitForFunction(() => {
      const l = (globalThis as any).document.querySelector('ol.messages');
      return l.scrollHeight - l.scrollTop - l.clientHeight < 48;
    });
    const reply = await api('POST', '/api/v1/messages', {
      token: agent.tokens.access_token,
      body: { conversation_id: conversationId, content: `message ${TOTAL + 1} live ✅` },
    });
    expect(reply.status).toBe(201);
    await item(TOTAL + 1).waitFor();
    await page.waitForFunction(() => {
      const l = (globalThis as any).document.querySelector('ol.messages');
      return l.scrollHeight - l.scrollTop - l.clientHeight < 48;
    });
    expect(await item(TOTAL + 1).isVisible()).toBe(true);
    expect((await seqs()).at(-1)).toBe(TOTAL + 1);
    expect(problems).toEqual([]);
  });
});
