import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { api, newClient, newStaff, type Account } from '../support/api';
import { submitRequest } from '../support/requests';
import { e2eState } from '../support/state';

const isTo = (mail: ParsedMail, address: string) =>
  [mail.to].flat().some((to) => to?.value.some((entry) => entry.address === address));

/**
 * The mails the run's SMTP server has accepted so far for `address`, parsed (the whole suite mails
 * every staff member of every request: the raw text is searched before anything is parsed).
 */
async function mailsTo(address: string): Promise<ParsedMail[]> {
  const dir = e2eState().mailDir;
  const raw = readdirSync(dir)
    .sort()
    .map((file) => readFileSync(path.join(dir, file)))
    .filter((mail) => mail.includes(address));
  const parsed = await Promise.all(raw.map((mail) => simpleParser(mail)));
  return parsed.filter((mail) => isTo(mail, address));
}

/** Polls the mails to `address` until `pick` finds what it waits for. */
async function eventuallyMailed<T>(
  address: string,
  pick: (mails: ParsedMail[]) => T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = pick(await mailsTo(address));
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('mail not received in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** notification-service mails through a real SMTP server (started by the e2e setup). */
describe('notification mail (through the gateway, to a real SMTP server)', () => {
  let client: Account;
  let agent: Account;

  beforeAll(async () => {
    [client, agent] = await Promise.all([newClient('Mira'), newStaff('agent')]);
  });

  it('mails a new agent of a request submitted once the directory knows them, once, in their new-requests digest', async () => {
    // The agent is known to notification-service once its user.registered is consumed: submit
    // until a request of this client reaches the agent's mailbox.
    let requestId: string | undefined;
    const mailAbout = (id: string) => (mails: ParsedMail[]) => {
      const found = mails.filter((mail) => mail.text?.includes(`/requests/${id}`));
      return found.length > 0 ? found : undefined;
    };
    for (let attempt = 0; requestId === undefined; attempt++) {
      const request = await submitRequest(client, {
        type: 'dining',
        description: 'Dinner for <two> & dessert',
      });
      try {
        await eventuallyMailed(agent.email, mailAbout(request.id), 5000);
        requestId = request.id;
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
    const mails = await eventuallyMailed(agent.email, mailAbout(requestId));
    // Staff get one digest of the requests submitted within MAIL_DIGEST_DELAY_MS (2 s here):
    // normally this one alone, unless an earlier attempt's request reached them late.
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toMatch(/^AJLA: (New dining request|\d+ new requests)$/);
    expect(mails[0].text).toContain('- New dining request: Dinner for <two> & dessert');
    expect(mails[0].html).toContain('Dinner for &lt;two&gt; &amp; dessert');
    expect(mails[0].text).toContain(`https://app.ajla.test/staff/requests/${requestId}`);
    expect(await mailsTo(client.email)).toEqual([]);
  });

  it('mails the client a staff reply as the digest of their unread replies', async () => {
    const request = await submitRequest(client);
    const reply = await api('POST', '/api/v1/messages', {
      token: agent.tokens.access_token,
      body: { conversation_id: request.conversation_id, content: 'Your table is <booked>' },
    });
    expect(reply.status).toBe(201);

    const [digest] = await eventuallyMailed(client.email, (mails) => {
      const found = mails.filter((mail) => mail.text?.includes(`/requests/${request.id}`));
      return found.length > 0 ? found : undefined;
    });
    expect(digest.subject).toBe('Your concierge replied');
    expect(digest.text).toContain('- Your table is <booked>');
    expect(digest.html).toContain('<li>Your table is &lt;booked&gt;</li>');
  });

  it('takes which events to mail in the preferences, and refuses a malformed notifications part', async () => {
    const put = (preferences: unknown) =>
      api('PUT', '/api/v1/users/me', { token: client.tokens.access_token, body: { preferences } });
    const ok = await put({ theme: 'dark', notifications: { email: { 'message.created': false } } });
    expect(ok.status).toBe(200);
    expect(ok.body.preferences).toEqual({
      theme: 'dark',
      notifications: { email: { 'message.created': false } },
    });
    for (const notifications of [{ sms: {} }, { email: { 'user.updated': false } }, 'off']) {
      const refused = await put({ notifications });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'invalid_preferences' });
    }
    expect((await put({})).status).toBe(200);
  });
});
