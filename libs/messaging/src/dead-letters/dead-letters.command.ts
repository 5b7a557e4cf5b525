import { parseArgs } from 'node:util';
import type { CliCommand, CliOutput } from '@ajla/platform';
import { type DeadLetter, DeadLetterQueue, DeadLetterQueueError } from './dead-letter-queue';

/** The `dead-letters` lines of a service CLI's usage text. */
export const DEAD_LETTERS_USAGE = `  dead-letters list [--limit N] [--json]
                 The parked events of this service's dead-letter queue, oldest first (default 50).
  dead-letters show <event id>
                 One parked event: its properties, headers and envelope.
  dead-letters replay <event id> | --all
                 Send it (or every parked event) back to this service's queue, to be handled again.`;

/**
 * `dead-letters list|show|replay` for a consuming service's CLI (reads `RABBITMQ_URL`). Exit
 * status: 0 done, 1 not found or the broker refused, 2 a wrong use.
 */
export function deadLettersCommand(serviceName: string): CliCommand<{ RABBITMQ_URL: string }> {
  return async ({ config, args, out }) => {
    const { positionals, values } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        limit: { type: 'string' },
        all: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    const [action, id, ...extra] = positionals;
    const queue = new DeadLetterQueue(config.RABBITMQ_URL, serviceName);
    const wrong = (why: string) => {
      process.stderr.write(`dead-letters: ${why}\n\nUsage:\n${DEAD_LETTERS_USAGE}\n`);
      return 2;
    };
    if (extra.length > 0) return wrong(`unexpected ${extra.join(' ')}`);
    try {
      switch (action) {
        case 'list': {
          const limit = Number(values.limit ?? 50);
          if (!Number.isInteger(limit) || limit < 1 || limit > 100_000 || id !== undefined) {
            return wrong('list takes --limit, an integer from 1 to 100000');
          }
          const { total, letters } = await queue.list(limit);
          if (values.json) out(JSON.stringify({ queue: queue.queues.deadLetter, total, letters }));
          else printList(out, queue.queues.deadLetter, total, letters);
          return 0;
        }
        case 'show': {
          if (id === undefined) return wrong('show needs an event id');
          const letter = await queue.find(id);
          if (letter === undefined) {
            process.stderr.write(`No event ${id} in ${queue.queues.deadLetter}\n`);
            return 1;
          }
          out(JSON.stringify({ ...letter, body: parsedOrText(letter.body) }, null, 2));
          return 0;
        }
        case 'replay': {
          if ((id === undefined) === !values.all) return wrong('replay needs an event id or --all');
          const replayed = await queue.replay((letter) => values.all === true || letter.id === id);
          if (id !== undefined && replayed.length === 0) {
            process.stderr.write(`No event ${id} in ${queue.queues.deadLetter}\n`);
            return 1;
          }
          for (const letter of replayed) {
            out(`replayed ${letter.id ?? '(no id)'} ${letter.type ?? ''} to ${queue.queues.main}`);
          }
          out(`${replayed.length} replayed`);
          return 0;
        }
        default:
          return wrong(action === undefined ? 'list, show or replay?' : `unknown "${action}"`);
      }
    } catch (error) {
      if (!(error instanceof DeadLetterQueueError)) throw error;
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
  };
}

function printList(out: CliOutput, queue: string, total: number, letters: DeadLetter[]): void {
  out(`${total} in ${queue}${letters.length < total ? ` (the first ${letters.length})` : ''}`);
  if (letters.length === 0) return;
  const rows = letters.map((l) => [
    l.id ?? '(no id)',
    l.routingKey ?? '-',
    l.failedAt ?? '-',
    l.reason ?? 'broker',
    String(l.retries),
    oneLine(l.lastError ?? '-', 100),
  ]);
  const head = ['EVENT ID', 'ROUTING KEY', 'FAILED AT', 'REASON', 'RETRIES', 'LAST ERROR'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [head, ...rows]) {
    out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '));
  }
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function parsedOrText(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}
