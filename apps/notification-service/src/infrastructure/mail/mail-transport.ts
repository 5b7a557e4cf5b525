import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@nestjs/common';
import nodemailer from 'nodemailer';
import type { MailContent } from './templates';

/** One mail to hand over: who it is for and what it says; `id` names it (the outbox row). */
export interface OutgoingMail extends MailContent {
  id: string;
  to: string;
}

/** Where mail goes: an SMTP server, or .eml files in a folder when none is configured. */
export interface MailTransport {
  /** Resolves once the mail is accepted (by the server, or written); rejects otherwise. */
  send(mail: OutgoingMail): Promise<void>;
  /** For the start-up log line: never a password. */
  readonly description: string;
  close(): void;
}

export interface MailTransportOptions {
  smtpUrl?: string;
  from: string;
  dropDir: string;
  logger: Pick<Logger, 'log'>;
}

/** Mails sent at the same time over one SMTP server's connections. */
export const SMTP_CONNECTIONS = 5;

/** How long an SMTP server may take to answer before the attempt counts as failed. */
export const SMTP_TIMEOUT_MS = 15_000;

export function createMailTransport(options: MailTransportOptions): MailTransport {
  return options.smtpUrl === undefined
    ? dropFolderTransport(options)
    : smtpTransport(options.smtpUrl, options);
}

function smtpTransport(smtpUrl: string, { from }: MailTransportOptions): MailTransport {
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    // A few connections kept open and reused: a request tells every staff member at once.
    pool: true,
    maxConnections: SMTP_CONNECTIONS,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    description: `SMTP ${withoutCredentials(smtpUrl)}`,
    async send(mail) {
      await transporter.sendMail(message(from, mail));
    },
    close: () => transporter.close(),
  };
}

/** Development without a mail server: each mail as `<dir>/<id>.eml`, and a log line saying where. */
function dropFolderTransport({ from, dropDir, logger }: MailTransportOptions): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true });
  const folder = path.resolve(dropDir);
  // Once, not per mail (it cost a file-system call each).
  let folderMade: Promise<unknown> | undefined;
  // One mail at a time, each after the event loop has had a turn: composing and writing a mail
  // is this process's own CPU work, and a batch of 20 at once held back the consumer's statements
  // and commits (the recipients' locks were held while it waited to send COMMIT).
  let previous: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const turn = previous
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(work);
    previous = turn.catch(() => undefined);
    return turn;
  };
  return {
    description: `.eml files in ${folder}`,
    send: (mail) => inTurn(() => writeMail(mail)),
    close: () => transporter.close(),
  };

  async function writeMail(mail: OutgoingMail): Promise<void> {
    const info = await transporter.sendMail(message(from, mail));
    folderMade ??= mkdir(folder, { recursive: true }).catch((error: unknown) => {
      folderMade = undefined;
      throw error;
    });
    await folderMade;
    // Named by the outbox row: a mail written again after a crash replaces its first copy.
    const file = path.join(folder, `${mail.id}.eml`);
    await writeFile(file, info.message as Buffer);
    logger.log(`Mail "${mail.subject}" written to ${file}`);
  }
}

function message(from: string, mail: OutgoingMail) {
  return { from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html };
}

/** `smtp://user:secret@host:25` as `smtp://host:25`: logs and errors never carry the password. */
export function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'an invalid URL';
  }
}
