import type { Notification, NotificationId } from '../../domain/notification/notification';
import type { UserId } from '../../domain/user-id';
import {
  digestMail,
  escapeHtml,
  NEW_REQUESTS_COUNTED,
  newRequestsMail,
  notificationMail,
} from './templates';

const notification = (overrides: Partial<Notification> = {}): Notification => ({
  id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a01' as NotificationId,
  recipientId: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a02' as UserId,
  eventId: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a03',
  type: 'request.submitted',
  title: 'New dining request',
  body: 'A table for <b>two</b> & "a view"',
  data: { request_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a04', conversation_id: 'c' },
  readAt: null,
  seq: 1,
  createdAt: new Date('2026-11-22T10:00:00.000Z'),
  ...overrides,
});

const agent = { email: 'agent@ajla.test', fullName: 'Ana <Agent>' };

describe('mail templates', () => {
  it('escapes every character that could open a tag or leave an attribute', () => {
    expect(escapeHtml(`<script>alert('x')</script> & "q"`)).toBe(
      '&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;',
    );
  });

  it('mails a submitted request with the subject, the quote and a link to it in the staff console', () => {
    const mail = notificationMail(notification(), agent, 'http://localhost:8000/');
    expect(mail.subject).toBe('AJLA: New dining request');
    expect(mail.text).toContain('Hello Ana <Agent>,');
    expect(mail.text).toContain('A client has submitted a new request:');
    expect(mail.text).toContain('A table for <b>two</b> & "a view"');
    expect(mail.text).toContain(
      'http://localhost:8000/staff/requests/0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a04',
    );
    expect(mail.html).toContain('A table for &lt;b&gt;two&lt;/b&gt; &amp; &quot;a view&quot;');
    expect(mail.html).toContain('Hello Ana &lt;Agent&gt;,');
    expect(mail.html).not.toContain('<b>two</b>');
    expect(mail.html).toContain(
      'href="http://localhost:8000/staff/requests/0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a04"',
    );
  });

  it('says an assignment and a status change in their own words', () => {
    const assigned = notificationMail(
      notification({ type: 'request.assigned', title: 'A request was assigned to you' }),
      { email: 'a@ajla.test', fullName: null },
      'https://app.example',
    );
    expect(assigned.subject).toBe('AJLA: A request was assigned to you');
    expect(assigned.text.startsWith('Hello,\n')).toBe(true);
    // The assignee works it in the staff console; the client follows it on their request page.
    expect(assigned.text).toContain(
      'Open it: https://app.example/staff/requests/0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a04\n',
    );
    const status = notificationMail(
      notification({ type: 'request.status_changed', title: 'Your request is fulfilled' }),
      agent,
      'https://app.example',
    );
    expect(status.subject).toBe('AJLA: Your request is fulfilled');
    expect(status.text).toContain('Your request is fulfilled.');
    expect(status.text).toContain(
      'Open it: https://app.example/requests/0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a04\n',
    );
  });

  it('tells an admin of a webhook turned off, linking to that webhook in the admin pages', () => {
    const mail = notificationMail(
      notification({
        type: 'webhook.disabled',
        title: 'A webhook was turned off',
        body: 'Every delivery to https://hooks.example.com failed for 5 days.',
        data: { webhook_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a05' },
      }),
      agent,
      'https://app.example/',
    );
    expect(mail.subject).toBe('AJLA: A webhook was turned off');
    expect(mail.text).toContain('A webhook was turned off because its deliveries kept failing:');
    expect(mail.text).toContain('https://hooks.example.com failed for 5 days');
    expect(mail.text).toContain(
      'Open it: https://app.example/admin/webhooks/0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a05\n',
    );
  });

  it('lists every unread reply of a digest once, escaped in HTML', () => {
    const replies = [
      { body: 'Booked for 8pm', createdAt: new Date('2026-11-22T10:00:00Z') },
      { body: 'See <you> there', createdAt: new Date('2026-11-22T10:01:00Z') },
    ];
    const mail = digestMail(replies, 'r1', agent, 'http://localhost:8000');
    expect(mail.subject).toBe('Your concierge sent you 2 messages');
    expect(mail.text).toContain('- Booked for 8pm\n- See <you> there');
    expect(mail.html).toContain('<li>See &lt;you&gt; there</li>');
    expect(mail.text).toContain('http://localhost:8000/requests/r1');
    expect(digestMail(replies.slice(0, 1), 'r1', agent, 'http://x').subject).toBe(
      'Your concierge replied',
    );
  });

  it('mails one new request of a digest like the request itself, linked', () => {
    const mail = newRequestsMail(
      [{ title: 'New dining request', body: 'A table for <two>', requestId: 'r1' }],
      1,
      agent,
      'https://app.example/',
    );
    expect(mail.subject).toBe('AJLA: New dining request');
    expect(mail.text).toContain('A client has submitted a new request:');
    expect(mail.text).toContain(
      '- New dining request: A table for <two>\n  https://app.example/staff/requests/r1',
    );
    expect(mail.text).not.toContain('more.');
    expect(mail.html).toContain(
      '<li><a href="https://app.example/staff/requests/r1">New dining request</a>: A table for &lt;two&gt;</li>',
    );
    expect(mail.html).toContain('Hello Ana &lt;Agent&gt;,');
  });

  it('says "more than" past the counted number of a digest', () => {
    const requests = Array.from({ length: 10 }, (_, i) => ({
      title: 'New dining request',
      body: `Request ${i}`,
      requestId: `r${i}`,
    }));
    const exact = newRequestsMail(requests, NEW_REQUESTS_COUNTED, agent, 'https://app.example');
    expect(exact.subject).toBe(`AJLA: ${NEW_REQUESTS_COUNTED} new requests`);
    expect(exact.text).toContain(`... and ${NEW_REQUESTS_COUNTED - 10} more.`);

    const beyond = newRequestsMail(
      requests,
      NEW_REQUESTS_COUNTED + 1,
      agent,
      'https://app.example',
    );
    expect(beyond.subject).toBe(`AJLA: more than ${NEW_REQUESTS_COUNTED} new requests`);
    expect(beyond.text).toContain(`Clients have submitted more than ${NEW_REQUESTS_COUNTED} new`);
    expect(beyond.text).toContain(`... and more than ${NEW_REQUESTS_COUNTED - 10} more.`);
    expect(beyond.html).toContain(`... and more than ${NEW_REQUESTS_COUNTED - 10} more.`);
  });

  it('lists the first requests of a digest, counts the rest, and escapes them in HTML', () => {
    const requests = Array.from({ length: 10 }, (_, i) => ({
      title: i === 0 ? 'New <b>spa</b> request' : 'New dining request',
      body: `Request "${i}" & more`,
      requestId: `r${i}`,
    }));
    const mail = newRequestsMail(requests, 13, agent, 'https://app.example');
    expect(mail.subject).toBe('AJLA: 13 new requests');
    expect(mail.text).toContain('Clients have submitted 13 new requests:');
    for (let i = 0; i < 10; i++) {
      expect(mail.text).toContain(`https://app.example/staff/requests/r${i}\n`);
    }
    expect(mail.text).toContain('... and 3 more.');
    expect(mail.text).toContain('All requests: https://app.example/staff\n');
    expect(mail.html.match(/<li>/g)).toHaveLength(10);
    expect(mail.html).toContain('New &lt;b&gt;spa&lt;/b&gt; request');
    expect(mail.html).toContain('Request &quot;0&quot; &amp; more');
    expect(mail.html).not.toContain('<b>spa</b>');
    expect(mail.html).toContain('<p>... and 3 more.</p>');
    expect(mail.html).toContain('href="https://app.example/staff"');
  });
});
