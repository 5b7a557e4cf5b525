import type { AsyncApiDocument, AsyncApiMessage, JsonSchema, Ref } from '@ajla/contracts';

/** Where the gateway serves the event docs (all below `/docs`, a path no route may cover). */
export const EVENT_DOCS_PATHS = {
  document: '/docs/asyncapi.json',
  page: '/docs/events',
  stylesheet: '/docs/events.css',
} as const;

const escape = (text: string): string =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

/** The little Markdown the document's descriptions use: `code` and **bold** ... */
const inline = (text: string): string =>
  escape(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');

/** ... in paragraphs. */
const markdown = (text: string): string =>
  text
    .split(/\n\s*\n/)
    .map((paragraph) => `<p>${inline(paragraph.trim())}</p>`)
    .join('\n');

const refName = (ref: Ref): string => ref.$ref.slice(ref.$ref.lastIndexOf('/') + 1);
const anchor = (name: string): string => name.replace(/[^a-zA-Z0-9_-]/g, '-');

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum))
    return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as JsonSchema[]).map(typeOf).join(' | ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : String(schema.type ?? 'any');
  if (type === 'array' && schema.items) return `array of ${typeOf(schema.items as JsonSchema)}`;
  return typeof schema.format === 'string' ? `${type} (${schema.format})` : type;
}

function constraintsOf(schema: JsonSchema): string[] {
  const found: string[] = [];
  const range = (low: unknown, high: unknown, unit: string) => {
    if (low !== undefined && high !== undefined) found.push(`${low} to ${high} ${unit}`);
    else if (low !== undefined) found.push(`at least ${low} ${unit}`);
    else if (high !== undefined) found.push(`at most ${high} ${unit}`);
  };
  range(schema.minLength, schema.maxLength, 'characters');
  range(schema.minItems, schema.maxItems, 'items');
  if (schema.minimum !== undefined) found.push(`≥ ${schema.minimum}`);
  if (Array.isArray(schema.anyOf)) {
    for (const option of schema.anyOf as JsonSchema[]) found.push(...constraintsOf(option));
  }
  return found;
}

function fieldsTable(schema: JsonSchema): string {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const rows = Object.entries(properties).map(([name, field]) => {
    const constraints = [...constraintsOf(field), ...(required.has(name) ? [] : ['optional'])];
    const description = typeof field.description === 'string' ? inline(field.description) : '';
    return `<tr><td><code>${escape(name)}</code></td><td>${escape(typeOf(field))}</td><td>${escape(constraints.join(', '))}</td><td>${description}</td></tr>`;
  });
  return `<table><thead><tr><th>field</th><th>type</th><th>constraints</th><th>meaning</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function messageSection(document: AsyncApiDocument, key: string, message: AsyncApiMessage): string {
  const data = document.components.schemas[key] ?? {};
  const example = message.examples?.[0];
  return [
    `<section class="message" id="${anchor(key)}">`,
    `<h3>${escape(message.title)}</h3>`,
    `<p>Envelope <code>type</code> = <code>${escape(message.name)}</code>, <code>version</code> = ${escape(String((message.payload.properties as Record<string, JsonSchema>).version.const))}. Its <code>data</code>:</p>`,
    fieldsTable(data),
    example
      ? `<details open><summary>Example message</summary><pre>${escape(JSON.stringify(example.payload, null, 2))}</pre><p>Headers:</p><pre>${escape(JSON.stringify(example.headers, null, 2))}</pre></details>`
      : '',
    `<details><summary>JSON Schema of <code>data</code></summary><pre>${escape(JSON.stringify(data, null, 2))}</pre></details>`,
    '</section>',
  ].join('\n');
}

/**
 * The events page for people: every channel of the AsyncAPI document with who publishes and who
 * consumes it, the fields of each message's `data`, an example and the raw schema. Made from the
 * document itself (so it cannot disagree with `/docs/asyncapi.json`); no script, one stylesheet
 * from the gateway, as its Content-Security-Policy allows.
 */
export function renderEventDocsPage(document: AsyncApiDocument): string {
  const operations = Object.values(document.operations);
  const messagesOf = (channel: string) =>
    Object.values(document.channels[channel]?.messages ?? {}).map(refName);
  const routingKeyChannels = Object.entries(document.channels).filter(
    ([, channel]) => channel.bindings.amqp.is === 'routingKey',
  );
  const queueChannels = Object.entries(document.channels).filter(
    ([, channel]) => channel.bindings.amqp.is === 'queue',
  );
  const envelope = document.components.schemas.EventEnvelope ?? {};

  const eventSections = routingKeyChannels.map(([id, channel]) => {
    const keys = messagesOf(id);
    const senders = operations.filter(
      (operation) => operation.action === 'send' && refName(operation.channel) === id,
    );
    const receivers = operations.filter(
      (operation) =>
        operation.action === 'receive' &&
        operation.messages.some((message) => keys.includes(refName(message))),
    );
    return [
      `<section class="event" id="${anchor(id)}">`,
      `<h2><code>${escape(channel.address)}</code></h2>`,
      markdown(channel.description),
      '<ul class="flow">',
      ...senders.map((operation) => `<li>${escape(operation.title)}</li>`),
      ...receivers.map(
        (operation) =>
          `<li>${escape(operation.title)} (queue <code>${escape(refName(operation.channel))}</code>)</li>`,
      ),
      ...(receivers.length === 0 ? ['<li>No service consumes it yet.</li>'] : []),
      '</ul>',
      ...keys.map((key) => messageSection(document, key, document.components.messages[key])),
      '</section>',
    ].join('\n');
  });

  const queues = queueChannels.map(
    ([, channel]) =>
      `<li><code>${escape(channel.address)}</code>: ${markdown(channel.description).replace(/^<p>|<\/p>$/g, '')}</li>`,
  );

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(document.info.title)}</title>
<link rel="stylesheet" href="${EVENT_DOCS_PATHS.stylesheet}">
</head>
<body>
<header>
<h1>${escape(document.info.title)}</h1>
<p>The machine-readable form: <a href="${EVENT_DOCS_PATHS.document}">AsyncAPI ${escape(document.asyncapi)} document</a>. The HTTP API: <a href="/docs">/docs</a>.</p>
</header>
<nav><ul>${routingKeyChannels.map(([id, channel]) => `<li><a href="#${anchor(id)}"><code>${escape(channel.address)}</code></a></li>`).join('')}</ul></nav>
<main>
${markdown(document.info.description)}
<h2>Envelope</h2>
${fieldsTable(envelope)}
${eventSections.join('\n')}
<h2>Queues</h2>
<ul>${queues.join('')}</ul>
</main>
</body>
</html>
`;
}

export const EVENT_DOCS_STYLESHEET = `body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 2rem;color:#1b1b1b}
nav ul{display:flex;flex-wrap:wrap;gap:.5rem 1rem;list-style:none;padding:0}
h2{border-bottom:1px solid #ddd;margin-top:2.5rem;padding-bottom:.25rem}
code{background:#f3f3f3;border-radius:3px;padding:0 .2em}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#fafafa}
pre{background:#f6f8fa;overflow:auto;padding:.75rem;font-size:13px}
summary{cursor:pointer;margin:.5rem 0}
.flow li{margin:.1rem 0}
`;
