import { type Browser, type BrowserContext, type Page } from 'playwright-core';
import { adminTokens, api, uniqueEmail } from '../support/api';
import { launchChromium, screenshot, seriousViolations, watchPage } from '../support/browser';
import { recordSecret } from '../support/secrets';
import { e2eState } from '../support/state';

// The web app in a real browser (headless Chromium through playwright-core) against the platform
// the e2e setup started: the gateway serves the built app (npm run build) at /.
jest.setTimeout(120_000);

describe('the web app (headless Chromium)', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const email = uniqueEmail('web');
  const password = 'a long web password';
  const description = `A table for four on a rooftop, Friday 8 pm ${Date.now()}`;
  let requestId = '';

  beforeAll(async () => {
    recordSecret('password', password);
    browser = await launchChromium();
    context = await browser.newContext({
      baseURL: e2eState().gatewayUrl,
      viewport: { width: 1100, height: 800 },
      locale: 'en-GB',
    });
    page = await context.newPage();
    watchPage(page, problems);
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('creates an account, which signs the new client in', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'sign-in');

    await page.getByRole('link', { name: 'Create account' }).first().click();
    await page.getByLabel('Full name').fill('Layla Al-Amin');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'register');
    await page.getByRole('button', { name: 'Create account' }).click();

    await page.getByRole('heading', { name: 'My requests' }).waitFor();
    await page.getByText('You have no requests yet.').waitFor();
  });

  it('submits a request and finds it in the list with its status', async () => {
    await page.getByRole('link', { name: 'New request' }).first().click();
    await page.getByLabel('Type').selectOption({ label: 'Dining' });
    await page.getByLabel('Description').fill(description);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'new-request');
    await page.getByRole('button', { name: 'Submit request' }).click();

    // The request's own page, at its address.
    await page.getByRole('heading', { name: 'Dining' }).waitFor();
    expect(page.url()).toMatch(/\/requests\/[0-9a-f-]{36}$/);
    requestId = page.url().split('/').pop()!;
    expect(await page.getByText(description).first().isVisible()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'request');

    await page.getByRole('link', { name: 'Back to my requests' }).click();
    const list = page.getByRole('list', { name: 'My requests' });
    const card = list.getByRole('listitem').filter({ hasText: description });
    await card.waitFor();
    expect(await card.getByText('New', { exact: true }).isVisible()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'my-requests');
  });

  it('shows the status staff give the request as they give it, without a reload', async () => {
    const card = page
      .getByRole('list', { name: 'My requests' })
      .getByRole('listitem')
      .filter({ hasText: description });
    const staff = (await adminTokens()).access_token;
    const assigned = await api('POST', `/api/v1/admin/requests/${requestId}/assign`, {
      token: staff,
      body: {},
    });
    expect(assigned.status).toBe(200);
    const started = await api('POST', `/api/v1/admin/requests/${requestId}/status`, {
      token: staff,
      body: { status: 'in_progress' },
    });
    expect(started.status).toBe(200);
    // The client is told on /ws/notifications, which refreshes the list (it polls only once a
    // minute while that socket is open).
    await card.getByText('In progress', { exact: true }).waitFor({ timeout: 20_000 });
  });

  it("talks with the concierge in the request's conversation, live", async () => {
    await page.getByRole('list', { name: 'My requests' }).getByRole('link').first().click();
    await page.getByText('Connected', { exact: true }).waitFor();
    const messages = page.getByRole('list', { name: 'Conversation history' });
    // The opening message is the request's description.
    await messages.getByText(description).waitFor();

    await page.getByLabel('Message').fill('Could we make it 9 pm? 🌙 ممكن الساعة التاسعة؟');
    await page.getByRole('button', { name: 'Send' }).click();
    await messages.getByText('Could we make it 9 pm?', { exact: false }).waitFor();
    await page.getByText('Not sent yet', { exact: false }).waitFor({ state: 'detached' });

    const staff = (await adminTokens()).access_token;
    const { body: request } = await api('GET', `/api/v1/requests/${requestId}`, { token: staff });
    const { body: conversation } = await api(
      'GET',
      `/api/v1/conversations/${request.conversation_id}?after_seq=0&limit=50`,
      { token: staff },
    );
    expect(conversation.messages.map((m: { content: string }) => m.content)).toEqual([
      description,
      'Could we make it 9 pm? 🌙 ممكن الساعة التاسعة؟',
    ]);
    const reply = await api('POST', '/api/v1/messages', {
      token: staff,
      body: { conversation_id: request.conversation_id, content: '9 pm it is.' },
    });
    expect(reply.status).toBe(201);
    const item = messages.getByRole('listitem').filter({ hasText: '9 pm it is.' });
    await item.waitFor();
    expect(await item.getByText('Concierge').isVisible()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'conversation');
  });

  it('keeps the page of the app on reload (the gateway answers it with the app)', async () => {
    await page.getByRole('heading', { name: 'Dining' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Dining' }).waitFor();
  });

  it('switches to Arabic, right to left, and keeps the choice in the profile', async () => {
    await page.getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('heading', { name: 'Profile' }).waitFor();
    await page.getByLabel('Language').first().selectOption('ar');
    await page.getByRole('heading', { name: 'الملف الشخصي' }).waitFor();
    expect(await page.locator('html').getAttribute('dir')).toBe('rtl');
    expect(await page.locator('html').getAttribute('lang')).toBe('ar');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'profile-ar');

    // Another browser, signed in afresh, opens in Arabic: the choice is in the preferences.
    const other = await browser.newContext({ baseURL: e2eState().gatewayUrl, locale: 'en-GB' });
    try {
      const second = await other.newPage();
      await second.goto('/sign-in');
      await second.getByLabel('Email').fill(email);
      await second.getByLabel('Password').fill(password);
      await second.getByRole('button', { name: 'Sign in' }).click();
      await second.getByRole('heading', { name: 'طلباتي' }).waitFor();
      expect(await second.locator('html').getAttribute('dir')).toBe('rtl');
      await screenshot(second, 'my-requests-ar');
    } finally {
      await other.close();
    }
  });

  it('signs out: the session is over, a reload does not bring it back', async () => {
    await page.getByRole('button', { name: 'تسجيل الخروج' }).click();
    await page.getByRole('heading', { name: 'تسجيل الدخول' }).waitFor();
    await page.goto('/requests');
    await page.getByRole('heading', { name: 'تسجيل الدخول' }).waitFor();
    expect(await page.evaluate(`localStorage.getItem('ajla.session')`)).toBeNull();
  });

  it('had no script error and no refusal by the Content-Security-Policy on the way', () => {
    expect(problems).toEqual([]);
  });
});
