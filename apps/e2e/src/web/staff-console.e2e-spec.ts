import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { api, newClient, newStaff, type Account } from '../support/api';
import { launchChromium, screenshot, seriousViolations, watchPage } from '../support/browser';
import { recordSecret } from '../support/secrets';
import { e2eState } from '../support/state';

// The staff console, the notification bell and the admin screens in a real browser (headless
// Chromium through playwright-core): an agent works a client's request while the client watches
// it move, in a second browser context; an admin manages staff and webhooks.
jest.setTimeout(180_000);

describe('the staff console, the bell and the admin screens (headless Chromium)', () => {
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];
  let agent: Account;
  let client: Account;
  let agentPage: Page;
  let clientPage: Page;
  let receiver: Server;
  let received = 0;
  const description = `Two seats for the opera, Saturday ${Date.now()}`;

  /** A signed-in page of its own browser context (its own storage: its own session). */
  async function signedIn(email: string, password: string): Promise<Page> {
    const context = await browser.newContext({
      baseURL: e2eState().gatewayUrl,
      viewport: { width: 1280, height: 900 },
      locale: 'en-GB',
    });
    contexts.push(context);
    const page = await context.newPage();
    watchPage(page, problems);
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    return page;
  }

  beforeAll(async () => {
    // A webhook receiver that takes everything (the e2e platform may deliver to 127.0.0.1).
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received += 1;
        response.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    [agent, client] = await Promise.all([newStaff('agent'), newClient('Opera Client')]);
    recordSecret('password', agent.password);
    recordSecret('password', client.password);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('an agent sees a client’s new request arrive in the queue without a reload', async () => {
    agentPage = await signedIn(agent.email, agent.password);
    await agentPage.getByRole('link', { name: 'Queue' }).click();
    await agentPage.getByRole('heading', { name: 'Request queue' }).waitFor();
    await agentPage.getByLabel('Status').selectOption({ label: 'New' });
    await agentPage.waitForURL(/status=new/);

    clientPage = await signedIn(client.email, client.password);
    await clientPage.getByRole('link', { name: 'New request' }).first().click();
    await clientPage.getByLabel('Type').selectOption({ label: 'Events' });
    await clientPage.getByLabel('Description').fill(description);
    await clientPage.getByRole('button', { name: 'Submit request' }).click();
    await clientPage.getByRole('heading', { name: 'Events' }).waitFor();
    await clientPage.getByRole('link', { name: 'Back to my requests' }).click();

    // Oldest first: the new request is on the last page (other specs fill the queue too). The
    // request.submitted notification refreshes the queue; move on while a later page appears.
    const card = agentPage
      .getByRole('list', { name: 'Queue' })
      .getByRole('listitem')
      .filter({ hasText: description });
    const next = agentPage.getByRole('button', { name: 'Next' });
    const deadline = Date.now() + 30_000;
    while (!(await card.isVisible())) {
      if (Date.now() > deadline) throw new Error('the new request never reached the queue');
      if ((await next.isVisible()) && (await next.isEnabled())) await next.click();
      else await agentPage.waitForTimeout(250);
    }
    // The agent is told too: the bell's name counts it.
    await agentPage
      .getByRole('button', { name: /^Notifications \(\d+ unread\)$/ })
      .waitFor({ timeout: 20_000 });
    expect(await seriousViolations(agentPage)).toEqual([]);
    await screenshot(agentPage, 'staff-queue');
  });

  it('the queue row counts the messages the agent has not read, live, until they open the conversation', async () => {
    const card = agentPage
      .getByRole('list', { name: 'Queue' })
      .getByRole('listitem')
      .filter({ hasText: description });
    // The opening message (the description) is the client's: unread for every staff member.
    await card.getByText('1 unread message', { exact: true }).waitFor({ state: 'attached' });

    // The client writes twice (through the API: the client's page is on their list).
    const mine = await api('GET', '/api/v1/requests?page_size=100', {
      token: client.tokens.access_token,
    });
    const request = (mine.body.items as { description: string; conversation_id: string }[]).find(
      (item) => item.description === description,
    )!;
    for (const content of ['Could they be in the stalls?', 'وشكرًا 🌹']) {
      const posted = await api('POST', '/api/v1/messages', {
        token: client.tokens.access_token,
        body: { conversation_id: request.conversation_id, content },
      });
      expect(posted.status).toBe(201);
    }
    // No reload: the console reads the counts again by itself.
    await card
      .getByText('3 unread messages', { exact: true })
      .waitFor({ state: 'attached', timeout: 20_000 });
    expect(await card.locator('.unread-count [aria-hidden="true"]').textContent()).toBe('3');
    expect(await seriousViolations(agentPage)).toEqual([]);
    await screenshot(agentPage, 'staff-queue-unread');

    // Opening the conversation reads it: the badge goes away.
    await card.getByRole('link').click();
    await agentPage
      .getByRole('article')
      .getByRole('list', { name: 'Conversation history' })
      .getByText('وشكرًا 🌹')
      .waitFor({ timeout: 20_000 });
    await card.locator('.unread-count').waitFor({ state: 'detached', timeout: 20_000 });
    expect(await card.getByText(/unread message/).count()).toBe(0);
  });

  it('assigns it to themself, starts work, talks with the client beside it and marks it fulfilled; the client sees each move', async () => {
    const clientCard = clientPage
      .getByRole('list', { name: 'My requests' })
      .getByRole('listitem')
      .filter({ hasText: description });
    await clientCard.getByText('New', { exact: true }).waitFor();

    await agentPage
      .getByRole('list', { name: 'Queue' })
      .getByRole('listitem')
      .filter({ hasText: description })
      .getByRole('link')
      .click();
    const pane = agentPage.getByRole('article');
    // The description shows twice once the conversation has loaded: in the request's details and
    // as the conversation's opening message.
    await pane.getByText(description).first().waitFor();
    expect(await pane.getByRole('button', { name: 'Start work' }).count()).toBe(0);
    await pane.getByRole('button', { name: 'Assign to me' }).click();
    await pane.getByText('you', { exact: true }).waitFor(); // assigned to the agent
    await pane.getByRole('button', { name: 'Start work' }).click();
    await pane.getByRole('button', { name: 'Mark fulfilled' }).waitFor();
    await clientCard.getByText('In progress', { exact: true }).waitFor({ timeout: 20_000 });
    expect(await seriousViolations(agentPage)).toEqual([]);
    await screenshot(agentPage, 'staff-request');

    // The conversation beside the request, live both ways: the client opens the request's page.
    await clientCard.getByRole('link', { name: 'Events' }).click();
    const clientHistory = clientPage.getByRole('list', { name: 'Conversation history' });
    await clientHistory.waitFor();
    const reply = `On it: two seats in the stalls? ${Date.now()}`;
    await pane.getByLabel('Message').fill(reply);
    await pane.getByRole('button', { name: 'Send' }).click();
    await clientHistory.getByText(reply).waitFor({ timeout: 20_000 });
    const answer = `Yes please, the stalls ${Date.now()}`;
    await clientPage.getByLabel('Message').fill(answer);
    await clientPage.getByRole('button', { name: 'Send' }).click();
    await pane
      .getByRole('list', { name: 'Conversation history' })
      .getByText(answer)
      .waitFor({ timeout: 20_000 });
    expect(await seriousViolations(agentPage)).toEqual([]);
    await screenshot(agentPage, 'staff-request-conversation');

    await pane.getByRole('button', { name: 'Mark fulfilled' }).click();
    await pane.getByText('Nothing more to do: this request is closed.').waitFor();
    await clientPage.getByText('Fulfilled', { exact: true }).waitFor({ timeout: 20_000 });
    await screenshot(clientPage, 'client-fulfilled');
    await clientPage.getByRole('link', { name: 'Back to my requests' }).click();
    await clientCard.getByText('Fulfilled', { exact: true }).waitFor();
  });

  it('the client’s bell counts the changes and lists them, linked to the request', async () => {
    const bell = clientPage.getByRole('button', { name: /^Notifications \(\d+ unread\)$/ });
    await bell.waitFor({ timeout: 20_000 });
    await bell.click();
    const list = clientPage.getByRole('list', { name: 'Notifications' });
    await list.waitFor();
    expect(await list.getByRole('link', { name: 'Open the request' }).count()).toBeGreaterThan(0);
    expect(await seriousViolations(clientPage)).toEqual([]);
    await screenshot(clientPage, 'bell');
    await clientPage.getByRole('button', { name: 'Mark all read' }).click();
    await clientPage.getByRole('button', { name: 'Notifications', exact: true }).waitFor();
  });

  it('the console reads right to left in Arabic, with no serious axe finding', async () => {
    await agentPage.getByLabel('Language').first().selectOption('ar');
    await agentPage.getByRole('heading', { name: 'قائمة انتظار الطلبات' }).waitFor();
    expect(await agentPage.locator('html').getAttribute('dir')).toBe('rtl');
    await agentPage
      .getByRole('article')
      .getByText('لا مزيد من الخطوات', { exact: false })
      .waitFor();
    expect(await seriousViolations(agentPage)).toEqual([]);
    await screenshot(agentPage, 'staff-request-ar');
    await agentPage.getByLabel('اللغة').first().selectOption('en');
    await agentPage.getByRole('heading', { name: 'Request queue' }).waitFor();
  });

  it('an admin creates a staff account and changes its role', async () => {
    const { email, password } = e2eState().admin;
    const adminPage = await signedIn(email, password);
    await adminPage.getByRole('link', { name: 'Admin' }).click();
    await adminPage.getByRole('heading', { name: 'Staff accounts' }).waitFor();
    const newAgent = `agent-${Date.now()}@example.com`;
    await adminPage.getByLabel('Full name').fill('Nadia Agent');
    await adminPage.getByLabel('Email').fill(newAgent);
    await adminPage.getByLabel('Password').fill('a staff password');
    await adminPage.getByLabel('Role', { exact: true }).selectOption('agent');
    await adminPage.getByRole('button', { name: 'Create staff account' }).click();
    await adminPage.getByText(`The account ${newAgent} was created.`).waitFor();
    const row = adminPage
      .getByRole('list', { name: 'Accounts' })
      .getByRole('listitem')
      .filter({ hasText: newAgent });
    await row.waitFor();
    expect(await seriousViolations(adminPage)).toEqual([]);
    await screenshot(adminPage, 'admin-staff');
    await row.getByLabel('Role of Nadia Agent').selectOption('admin');
    await row.getByRole('button', { name: 'Save role: Nadia Agent' }).click();
    await row.waitFor({ state: 'detached' }); // no longer among the agents...
    await adminPage.getByLabel('Show').selectOption('admin');
    const asAdmin = adminPage
      .getByRole('list', { name: 'Accounts' })
      .getByRole('listitem')
      .filter({ hasText: newAgent });
    await asAdmin.waitFor(); // ...but among the admins
    expect(await asAdmin.getByLabel('Role of Nadia Agent').inputValue()).toBe('admin');
  });

  it('an admin makes a webhook (secret shown once), tests it, sees the delivery and redelivers', async () => {
    const adminPage = contexts.at(-1)!.pages()[0]!;
    await contexts.at(-1)!.grantPermissions(['clipboard-read', 'clipboard-write']);
    await adminPage.getByRole('link', { name: 'Webhooks' }).click();
    await adminPage.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook-${Date.now()}`;
    await adminPage.getByLabel('Receiver URL').fill(url);
    await adminPage.getByRole('button', { name: 'Create webhook' }).click();

    const box = adminPage.getByRole('region', { name: 'Signing secret' });
    await box.waitFor();
    const secret = await box.getByLabel('Signing secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    await box.getByText('shown only this once', { exact: false }).waitFor();
    await box.getByRole('button', { name: 'Copy secret' }).click();
    await box.getByText('Copied.').waitFor();
    expect(await adminPage.evaluate('navigator.clipboard.readText()')).toBe(secret);
    expect(await seriousViolations(adminPage)).toEqual([]);
    await screenshot(adminPage, 'admin-webhook-secret');
    await box.getByRole('button', { name: 'I have saved the secret' }).click();
    await box.waitFor({ state: 'detached' });
    expect(await adminPage.content()).not.toContain(secret);

    await adminPage.getByRole('button', { name: `Turn off: ${url}` }).click();
    await adminPage.getByRole('button', { name: `Turn on: ${url}` }).click();
    await adminPage.getByRole('button', { name: `Send test event: ${url}` }).click();
    await adminPage.getByText('A test event was queued.').waitFor();
    await adminPage.getByRole('link', { name: `Deliveries: ${url}` }).click();
    await adminPage.getByRole('heading', { name: `Deliveries to ${url}` }).waitFor();
    const row = adminPage.getByRole('row').filter({ hasText: 'webhook.test' });
    await row.getByText('Succeeded').waitFor({ timeout: 30_000 });
    expect(received).toBeGreaterThan(0);
    await row.getByText('Attempts: 1').click(); // the attempts open
    await row.getByText('HTTP status: 200').waitFor();
    expect(await seriousViolations(adminPage)).toEqual([]);
    await screenshot(adminPage, 'admin-deliveries');
    await row.getByRole('button', { name: /^Redeliver/ }).click();
    await adminPage.getByText('Queued again.').waitFor();
  });

  it('had no script error and no refusal by the Content-Security-Policy on the way', () => {
    expect(problems).toEqual([]);
  });
});
