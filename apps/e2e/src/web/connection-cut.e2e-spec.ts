import { randomUUID } from 'node:crypto';
import type { ServiceProcess } from '@ajla/testing';
import { type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { api, newClient, newStaff, type Account } from '../support/api';
import { launchChromium, screenshot, watchPage } from '../support/browser';
import { ChatSocket } from '../support/chat';
import { portOf, startGateway } from '../support/gateway-process';
import { submitRequest } from '../support/requests';
import { recordSecret } from '../support/secrets';
import { e2eState } from '../support/state';
import { TcpProxy } from '../support/tcp-proxy';

// A client's conversation in a real browser (headless Chromium) whose connection is cut and
// restored while a concierge agent keeps writing: the screen says so throughout, what the client
// typed meanwhile waits in the outbox and goes out once, and in the end the client shows every
// message once, in order, as the server stored it.
//
// The browser reaches the gateway through a TCP proxy of the test's own (support/tcp-proxy.ts),
// which drops every connection and refuses new ones: a real drop. Playwright's
// context.setOffline is no substitute: in Chromium it leaves an open WebSocket open (checked with
// Chromium 156: readyState stays OPEN, the server sees no close), so the app would see nothing.
//
// The conversations stay short (about 40 messages): the whole history is read from the
// accessible list (role list "Conversation history", its list items), scrolling it through in
// case it renders only the rows in view.
jest.setTimeout(240_000);

const AGENT_MESSAGES = 30;
const AGENT_PACE_MS = 300;
// Longer than the request page's polling while the notifications socket is down (every 10 s, and
// a failed poll is retried twice, 1 s then 2 s later): a cut that long is ordinary (a train, a
// lift), and the page must live through its failed polls.
const CUT_MS = 16_000;
const WAIT = { timeout: 60_000 };

interface Stored {
  seq: number;
  content: string;
  client_id: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every message of the conversation, every page of GET /api/v1/conversations/{id}. */
async function history(conversationId: string, token: string): Promise<Stored[]> {
  const messages: Stored[] = [];
  for (let after = 0; ;) {
    const res = await api(
      'GET',
      `/api/v1/conversations/${conversationId}?after_seq=${after}&limit=10`,
      { token },
    );
    expect(res.status).toBe(200);
    messages.push(...res.body.messages);
    if (!res.body.has_more) return messages;
    after = messages[messages.length - 1]!.seq;
  }
}

/**
 * The agent, writing at a steady pace through `base` (the API: POST /api/v1/messages), each
 * message with a client_id of its own kept across retries: a message whose answer was lost in a
 * cut is sent again and still stored once.
 */
class SteadyWriter {
  sent = 0;
  readonly contents: string[];
  readonly done: Promise<void>;

  constructor(
    private readonly base: () => string,
    private readonly token: string,
    private readonly conversationId: string,
    tag: string,
  ) {
    this.contents = Array.from(
      { length: AGENT_MESSAGES },
      (_, i) => `«${tag} agent ${String(i + 1).padStart(2, '0')}»`,
    );
    this.done = this.run();
  }

  async waitForSent(count: number): Promise<void> {
    while (this.sent < count) await sleep(50);
  }

  private async run(): Promise<void> {
    for (const content of this.contents) {
      await this.post(content, randomUUID());
      this.sent += 1;
      await sleep(AGENT_PACE_MS);
    }
  }

  private async post(content: string, clientId: string): Promise<void> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const status = await fetch(`${this.base()}/api/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify({
          conversation_id: this.conversationId,
          content,
          client_id: clientId,
        }),
      })
        .then((r) => r.status)
        .catch(() => 0); // the connection was cut: try again
      if (status === 201 || status === 200) return;
      if (status !== 0 && status < 500) throw new Error(`the agent's message got ${status}`);
      if (Date.now() > deadline) throw new Error(`the agent could not send "${content}"`);
      await sleep(200);
    }
  }
}

/** The nearest element of `list` (itself included) that scrolls: where to move to read it all. */
async function scrollTo(list: Locator, where: 'top' | 'next' | 'bottom'): Promise<boolean> {
  return list.evaluate((element: any, to: string) => {
    let box = element;
    while (box && box.scrollHeight <= box.clientHeight && box.parentElement) {
      box = box.parentElement;
    }
    const before = box.scrollTop;
    if (to === 'top') box.scrollTop = 0;
    else if (to === 'bottom') box.scrollTop = box.scrollHeight;
    else box.scrollTop = before + Math.max(1, box.clientHeight - 40);
    return box.scrollTop !== before;
  }, where);
}

/**
 * The rows of the conversation's list as the user can see them, top to bottom: each row's text.
 * Read in steps from the top, in case the list renders only the rows in view; consecutive reads
 * overlap and are joined on their overlap (so a row shown twice would still count twice).
 */
async function renderedRows(page: Page): Promise<string[]> {
  const list = page.getByRole('list', { name: 'Conversation history' });
  const rows = list.getByRole('listitem');
  await scrollTo(list, 'top');
  await page.waitForTimeout(200);
  let all: string[] = [];
  for (let step = 0; step < 200; step++) {
    const seen = await rows.allInnerTexts();
    let overlap = Math.min(all.length, seen.length);
    while (
      overlap > 0 &&
      all.slice(-overlap).join('\u0000') !== seen.slice(0, overlap).join('\u0000')
    ) {
      overlap -= 1;
    }
    all = [...all, ...seen.slice(overlap)];
    if (!(await scrollTo(list, 'next'))) break;
    await page.waitForTimeout(200);
  }
  await scrollTo(list, 'bottom');
  return all;
}

/** Which stored message each row shows (by its unique content); `?` for a row that shows none. */
function rowsAsContents(rows: string[], stored: Stored[]): string[] {
  return rows.map((row) => {
    const found = stored.filter((m) => row.includes(m.content));
    return found.length === 1 ? found[0]!.content : `? ${row}`;
  });
}

describe('a client whose connection is cut and restored while the agent writes (headless Chromium)', () => {
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const proxies: TcpProxy[] = [];
  const problems: string[] = [];
  let client: Account;
  let agent: Account;

  /** The client, signed in through `base` in a browser context of its own, on the request's page. */
  async function clientOn(base: string, requestId: string): Promise<Page> {
    const context = await browser.newContext({
      baseURL: base,
      viewport: { width: 1100, height: 900 },
      locale: 'en-GB',
    });
    contexts.push(context);
    // Counts the WebSockets the app opens (by URL), to tell a reconnect from the same socket.
    await context.addInitScript(`(() => {
      const Native = window.WebSocket;
      window.__opened = [];
      window.WebSocket = class extends Native {
        constructor(url, protocols) {
          super(url, protocols);
          window.__opened.push(String(url));
        }
      };
    })()`);
    const page = await context.newPage();
    watchPage(page, problems);
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(client.email);
    await page.getByLabel('Password').fill(client.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor(WAIT);
    await page.goto(`/requests/${requestId}`);
    await connection(page, /^Connected$/).waitFor(WAIT);
    return page;
  }

  /** The conversation's connection state, as the screen says it (a status, in English). */
  function connection(page: Page, text: RegExp): Locator {
    return page
      .getByRole('region', { name: 'Conversation' })
      .getByRole('status')
      .filter({ hasText: text });
  }

  /** How many chat WebSockets the page has opened so far. */
  async function chatSocketsOpened(page: Page): Promise<number> {
    return page.evaluate(`window.__opened.filter((u) => u.includes('/ws/chat/')).length`);
  }

  function row(page: Page, content: string): Locator {
    return page
      .getByRole('list', { name: 'Conversation history' })
      .getByRole('listitem')
      .filter({ hasText: content });
  }

  /** Types a message and sends it, as the client does. */
  async function say(page: Page, content: string): Promise<void> {
    await page.getByLabel('Message').fill(content);
    await page.getByRole('button', { name: 'Send' }).click();
  }

  /**
   * The end: the client shows exactly what the server stored (every message once, in seq order,
   * none left waiting), and the agent's own socket saw each of the client's messages once.
   */
  async function expectSameAsStored(
    page: Page,
    conversationId: string,
    expectedCount: number,
    clientTyped: string[],
    agentSocket: ChatSocket,
  ): Promise<void> {
    const stored = await history(conversationId, client.tokens.access_token);
    expect(stored).toHaveLength(expectedCount);
    expect(stored.map((m) => m.seq)).toEqual(stored.map((_, i) => i + 1));
    const expected = stored.map((m) => m.content);
    expect(new Set(expected).size).toBe(expected.length);
    for (const content of clientTyped) {
      expect(expected.filter((c) => c === content)).toHaveLength(1);
    }

    // Wait until the client has it all (the last stored message shown, nothing waiting), then read.
    await row(page, expected[expected.length - 1]!).waitFor(WAIT);
    await page
      .getByText('Not sent yet', { exact: false })
      .first()
      .waitFor({
        state: 'detached',
        ...WAIT,
      });
    const rows = await renderedRows(page);
    expect(rowsAsContents(rows, stored)).toEqual(expected);

    await agentSocket.waitForSeq(expectedCount, 30_000);
    const seenByAgent = agentSocket
      .messages()
      .filter((m: any) => m.seq > 1)
      .map((m: any) => m.content as string);
    expect(seenByAgent).toEqual(expected.slice(1));
  }

  beforeAll(async () => {
    [client, agent] = await Promise.all([newClient('Cut Client'), newStaff('agent')]);
    recordSecret('password', client.password);
    recordSecret('password', agent.password);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    for (const proxy of proxies) await proxy.close();
  });

  it('a network drop: offline then connected again, the outbox sent once, every message once and in order', async () => {
    const request = await submitRequest(client, {
      type: 'dining',
      description: `«cut-a opening» a table by the window ${Date.now()}`,
    });
    const conversationId: string = request.conversation_id;
    const proxy = await TcpProxy.start(portOf(e2eState().gatewayUrl));
    proxies.push(proxy);
    const page = await clientOn(proxy.url, request.id);
    const agentSocket = await ChatSocket.open(conversationId, agent.tokens.access_token, {
      afterSeq: 0,
    });

    // The agent writes through the API (the shared gateway, not cut) at a steady pace.
    const writer = new SteadyWriter(
      () => e2eState().gatewayUrl,
      agent.tokens.access_token,
      conversationId,
      'cut-a',
    );
    await writer.waitForSent(8);
    await row(page, writer.contents[7]!).waitFor(WAIT); // live before the cut

    const forwardedBefore = proxy.forwarded;
    proxy.refuse();
    proxy.sever();
    const openedBefore = await chatSocketsOpened(page);
    await connection(page, /^Reconnecting/).waitFor(WAIT);
    expect(await connection(page, /^Connected$/).count()).toBe(0);

    // Typed while cut: shown as not sent yet, kept in the outbox.
    const typed = ['«cut-a client 1» still there?', '«cut-a client 2» the signal dropped'];
    for (const content of typed) {
      await say(page, content);
      await row(page, content).getByText('Not sent yet', { exact: false }).waitFor(WAIT);
    }
    await screenshot(page, 'connection-cut-offline');
    await sleep(CUT_MS); // the agent keeps writing meanwhile
    expect(proxy.refused).toBeGreaterThan(0); // the app kept trying, and was refused
    // Still the request's page with its conversation: a failed poll must not replace what is shown.
    await page.getByRole('region', { name: 'Conversation' }).waitFor({ timeout: 5_000 });
    await connection(page, /^Reconnecting/).waitFor(WAIT); // still said, throughout
    for (const content of typed) {
      await row(page, content).getByText('Not sent yet', { exact: false }).waitFor(WAIT);
    }

    proxy.restore();
    await connection(page, /^Connected$/).waitFor(WAIT);
    expect(proxy.forwarded).toBeGreaterThan(forwardedBefore); // back through the proxy
    expect(await chatSocketsOpened(page)).toBeGreaterThan(openedBefore); // on a new socket
    const afterCut = '«cut-a client 3» back again';
    await say(page, afterCut);

    await writer.done;
    await expectSameAsStored(
      page,
      conversationId,
      1 + AGENT_MESSAGES + typed.length + 1,
      [...typed, afterCut],
      agentSocket,
    );
    await screenshot(page, 'connection-cut-restored');
    agentSocket.close();

    // Then a quiet while, longer than the app's heartbeat (ping after 15 s of silence, given up
    // 10 s later without an answer): the server answers, the same socket stays, still connected.
    const opened = await chatSocketsOpened(page);
    await sleep(40_000);
    expect(await chatSocketsOpened(page)).toBe(opened);
    await connection(page, /^Connected$/).waitFor({ timeout: 5_000 });
  });

  it('a link gone silent (no close ever comes, answers lost): found out, and what the server stored without telling is not sent twice', async () => {
    const request = await submitRequest(client, {
      type: 'shopping',
      description: `«cut-c opening» a scarf from the souk ${Date.now()}`,
    });
    const conversationId: string = request.conversation_id;
    const proxy = await TcpProxy.start(portOf(e2eState().gatewayUrl));
    proxies.push(proxy);
    const page = await clientOn(proxy.url, request.id);
    const agentSocket = await ChatSocket.open(conversationId, agent.tokens.access_token, {
      afterSeq: 0,
    });
    const writer = new SteadyWriter(
      () => e2eState().gatewayUrl,
      agent.tokens.access_token,
      conversationId,
      'cut-c',
    );
    await writer.waitForSent(8);
    await row(page, writer.contents[7]!).waitFor(WAIT);

    // Nothing reaches the browser any more, and nothing tells it so: what it sends still arrives.
    proxy.silence('downstream');
    const unacknowledged = '«cut-c client 1» stored, but the answer is lost';
    await say(page, unacknowledged);
    // The server stored it (the agent sees it) while the client, never told, still has it waiting.
    await agentSocket.waitFor(
      () => agentSocket.messages().find((m: any) => m.content === unacknowledged),
      30_000,
      'the message the client sent into the silent link',
    );
    await row(page, unacknowledged).getByText('Not sent yet', { exact: false }).waitFor(WAIT);

    // The app finds out by itself (nothing closes): reconnecting.
    await connection(page, /^Reconnecting/).waitFor(WAIT);
    const typed = [unacknowledged, '«cut-c client 2» hello, anyone?'];
    await say(page, typed[1]!);
    await row(page, typed[1]!).getByText('Not sent yet', { exact: false }).waitFor(WAIT);
    await screenshot(page, 'connection-silent');

    proxy.restore();
    await connection(page, /^Connected$/).waitFor(WAIT);
    await writer.done;
    // Sent again on reconnect with its client_id: still stored once.
    await expectSameAsStored(
      page,
      conversationId,
      1 + AGENT_MESSAGES + typed.length,
      typed,
      agentSocket,
    );
    agentSocket.close();
  });

  it('a gateway restart: reconnecting while it is down, then everything once and in order', async () => {
    // A gateway of the test's own on the platform (the shared one serves every other spec), behind
    // a proxy that keeps the browser's origin while the gateway comes back on another port.
    let gateway: ServiceProcess | undefined = await startGateway('restart-1');
    const proxy = await TcpProxy.start(portOf(gateway.url));
    proxies.push(proxy);
    try {
      const request = await submitRequest(client, {
        type: 'travel',
        description: `«cut-b opening» two seats to Muscat ${Date.now()}`,
      });
      const conversationId: string = request.conversation_id;
      const page = await clientOn(proxy.url, request.id);
      const agentSocket = await ChatSocket.open(conversationId, agent.tokens.access_token, {
        afterSeq: 0,
      });

      // The agent writes through the same gateway, which goes away and comes back: its messages
      // are retried with their client_id while it is down.
      const writer = new SteadyWriter(
        () => proxy.url,
        agent.tokens.access_token,
        conversationId,
        'cut-b',
      );
      await writer.waitForSent(8);
      await row(page, writer.contents[7]!).waitFor(WAIT);

      await gateway.kill('SIGTERM'); // closes its WebSockets with 1001, as a deploy does
      gateway = undefined;
      await connection(page, /^Reconnecting/).waitFor(WAIT);
      const typed = ['«cut-b client 1» is the gateway down?'];
      await say(page, typed[0]!);
      await row(page, typed[0]!).getByText('Not sent yet', { exact: false }).waitFor(WAIT);
      await screenshot(page, 'connection-gateway-down');
      await sleep(CUT_MS);
      await page.getByRole('region', { name: 'Conversation' }).waitFor({ timeout: 5_000 });
      await connection(page, /^Reconnecting/).waitFor(WAIT);

      gateway = await startGateway('restart-2');
      proxy.retarget(portOf(gateway.url));
      await connection(page, /^Connected$/).waitFor(WAIT);

      await writer.done;
      await expectSameAsStored(
        page,
        conversationId,
        1 + AGENT_MESSAGES + typed.length,
        typed,
        agentSocket,
      );
      await screenshot(page, 'connection-gateway-back');
      agentSocket.close();
    } finally {
      await gateway?.kill('SIGTERM');
    }
  });

  it('had no script error and no refusal by the Content-Security-Policy on the way', () => {
    // A cut connection makes the browser log failed WebSocket handshakes and fetches: those are
    // the point of this spec, not the app's errors.
    const real = problems.filter(
      (p) => !/WebSocket connection to .* failed|net::ERR_|Failed to fetch/.test(p),
    );
    expect(real).toEqual([]);
  });
});
