import type { Notification } from '../../domain/notification/notification';

/** A mail's content: subject, plain text and the same in HTML. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

/** Who a mail is for, from the account directory. */
export interface MailRecipient {
  email: string;
  fullName: string | null;
}

/** A staff reply listed in a digest: its notification's text and time. */
export interface DigestReply {
  body: string;
  createdAt: Date;
}

/** A request listed in a new-requests digest: its notification's title and quote, and its id. */
export interface DigestRequest {
  title: string;
  body: string;
  requestId: string | number | undefined;
}

/** How many requests a new-requests digest lists; the rest are counted ("and 3 more"). */
export const NEW_REQUESTS_LISTED = 10;
/**
 * How many of a digest's requests are counted at most: past it the mail says "more than" (the
 * count reads every row it counts, and a busy window holds thousands).
 */
export const NEW_REQUESTS_COUNTED = 1000;

// Every mail of the service, in one place. User content (descriptions, messages, names) goes
// through `escapeHtml` in HTML; the plain text carries it as it is.

/** The mail of one notification (request submitted, assigned, status changed). */
export function notificationMail(
  notification: Notification,
  recipient: MailRecipient,
  webAppUrl: string,
): MailContent {
  const link = linkOf(notification, webAppUrl);
  const subject = subjectOf(notification);
  const lead = leadOf(notification);
  return {
    subject,
    text: [
      greeting(recipient),
      '',
      lead,
      '',
      notification.body,
      '',
      `Open it: ${link}`,
      '',
      FOOTER,
    ].join('\n'),
    html: page(
      subject,
      `<p>${escapeHtml(greeting(recipient))}</p>
<p>${escapeHtml(lead)}</p>
<blockquote>${escapeHtml(notification.body)}</blockquote>
<p><a href="${escapeHtml(link)}">Open it in AJLA</a></p>`,
    ),
  };
}

/** One mail for the staff replies of one conversation that the client has not read. */
export function digestMail(
  replies: readonly DigestReply[],
  requestId: string | number | undefined,
  recipient: MailRecipient,
  webAppUrl: string,
): MailContent {
  const link = requestLink(webAppUrl, requestId);
  const subject =
    replies.length === 1
      ? 'Your concierge replied'
      : `Your concierge sent you ${replies.length} messages`;
  const lead =
    replies.length === 1
      ? 'You have an unread message from your concierge:'
      : `You have ${replies.length} unread messages from your concierge:`;
  return {
    subject,
    text: [
      greeting(recipient),
      '',
      lead,
      '',
      ...replies.map((reply) => `- ${reply.body}`),
      '',
      `Reply in AJLA: ${link}`,
      '',
      FOOTER,
    ].join('\n'),
    html: page(
      subject,
      `<p>${escapeHtml(greeting(recipient))}</p>
<p>${escapeHtml(lead)}</p>
<ul>
${replies.map((reply) => `<li>${escapeHtml(reply.body)}</li>`).join('\n')}
</ul>
<p><a href="${escapeHtml(link)}">Reply in AJLA</a></p>`,
    ),
  };
}

/**
 * One mail for the requests submitted since a staff member's last one that they have not read:
 * `total` of them (counted up to `NEW_REQUESTS_COUNTED`; a total above it reads "more than"), the
 * first `NEW_REQUESTS_LISTED` of `requests` listed with their links.
 */
export function newRequestsMail(
  requests: readonly DigestRequest[],
  total: number,
  recipient: MailRecipient,
  webAppUrl: string,
): MailContent {
  const listed = requests.slice(0, NEW_REQUESTS_LISTED);
  const beyondCount = total > NEW_REQUESTS_COUNTED;
  const counted = beyondCount ? `more than ${NEW_REQUESTS_COUNTED}` : String(total);
  const more = beyondCount
    ? `more than ${NEW_REQUESTS_COUNTED - listed.length}`
    : String(Math.max(total - listed.length, 0));
  const subject = total === 1 ? `AJLA: ${listed[0].title}` : `AJLA: ${counted} new requests`;
  const lead =
    total === 1
      ? 'A client has submitted a new request:'
      : `Clients have submitted ${counted} new requests:`;
  const allLink = `${webAppUrl.replace(/\/+$/, '')}/staff`;
  const moreLine = `... and ${more} more.`;
  return {
    subject,
    text: [
      greeting(recipient),
      '',
      lead,
      '',
      ...listed.flatMap((request) => [
        `- ${request.title}: ${request.body}`,
        `  ${staffRequestLink(webAppUrl, request.requestId)}`,
      ]),
      ...(total > listed.length ? [moreLine] : []),
      '',
      `All requests: ${allLink}`,
      '',
      FOOTER,
    ].join('\n'),
    html: page(
      subject,
      `<p>${escapeHtml(greeting(recipient))}</p>
<p>${escapeHtml(lead)}</p>
<ul>
${listed
  .map(
    (request) =>
      `<li><a href="${escapeHtml(staffRequestLink(webAppUrl, request.requestId))}">${escapeHtml(request.title)}</a>: ${escapeHtml(request.body)}</li>`,
  )
  .join('\n')}
</ul>
${total > listed.length ? `<p>${escapeHtml(moreLine)}</p>\n` : ''}<p><a href="${escapeHtml(allLink)}">See all requests in AJLA</a></p>`,
    ),
  };
}

/** `&`, `<`, `>`, `"` and `'` as entities: user content can open no tag and leave no attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char]);
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const FOOTER = 'AJLA concierge. You receive this mail because of your account with AJLA.';

function subjectOf(notification: Notification): string {
  // The in-app title says it in a few words already (one place for the wording per event).
  return `AJLA: ${notification.title}`;
}

function leadOf(notification: Notification): string {
  switch (notification.type) {
    case 'request.submitted':
      return 'A client has submitted a new request:';
    case 'request.assigned':
      return 'A request was assigned to you.';
    case 'request.status_changed':
      return `${notification.title}.`;
    case 'webhook.disabled':
      return 'A webhook was turned off because its deliveries kept failing:';
    default:
      return notification.title;
  }
}

function greeting(recipient: MailRecipient): string {
  return recipient.fullName ? `Hello ${recipient.fullName},` : 'Hello,';
}

/**
 * Where a notification's mail sends its reader in the web app: staff open requests in the staff
 * console, admins a turned-off webhook in its admin page, clients their request.
 */
function linkOf(notification: Notification, webAppUrl: string): string {
  switch (notification.type) {
    case 'request.submitted':
    case 'request.assigned':
      return staffRequestLink(webAppUrl, notification.data.request_id);
    case 'webhook.disabled': {
      const base = webAppUrl.replace(/\/+$/, '');
      const id = notification.data.webhook_id;
      return id === undefined
        ? `${base}/admin/webhooks`
        : `${base}/admin/webhooks/${encodeURIComponent(String(id))}`;
    }
    default:
      return requestLink(webAppUrl, notification.data.request_id);
  }
}

function staffRequestLink(webAppUrl: string, requestId: string | number | undefined): string {
  const base = webAppUrl.replace(/\/+$/, '');
  return requestId === undefined
    ? `${base}/staff`
    : `${base}/staff/requests/${encodeURIComponent(String(requestId))}`;
}

function requestLink(webAppUrl: string, requestId: string | number | undefined): string {
  const base = webAppUrl.replace(/\/+$/, '');
  return requestId === undefined
    ? base
    : `${base}/requests/${encodeURIComponent(String(requestId))}`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body style="font-family: sans-serif; line-height: 1.5">
${body}
<p style="color: #777; font-size: small">${escapeHtml(FOOTER)}</p>
</body></html>`;
}
