// A real SMTP server for the tests (smtp-server), keeping every mail it accepts, parsed
// (mailparser). It asks for a login, like a provider would, over plain TCP on 127.0.0.1.
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export const SMTP_USER = 'ajla-mailer';
export const SMTP_PASSWORD = 'smtp-secret-not-for-logs';

export class TestSmtpServer {
  readonly received: ParsedMail[] = [];
  port = 0;
  /** Mails whose data arrived and that are not answered yet (`hold`). */
  held = 0;
  private gate: Promise<void> = Promise.resolve();
  private server?: SMTPServer;

  /** Listens on `port` (a free one the first time; the same one again after `stop()`). */
  async start(port = this.port): Promise<void> {
    const server = new SMTPServer({
      logger: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth: (auth, _session, callback) => {
        if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) {
          callback(null, { user: auth.username });
        } else {
          callback(new Error('Invalid username or password'));
        }
      },
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then(async (mail) => {
            this.held += 1;
            await this.gate;
            this.held -= 1;
            this.received.push(mail);
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Answers no mail until the returned function is called (a slow server). */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise((resolve) => (release = resolve));
    return () => {
      release();
      this.gate = Promise.resolve();
    };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `smtp://${SMTP_USER}:${SMTP_PASSWORD}@127.0.0.1:${this.port}`;
  }

  /** The mails sent to `address`. */
  to(address: string): ParsedMail[] {
    return this.received.filter((mail) =>
      [mail.to].flat().some((to) => to?.value.some((entry) => entry.address === address)),
    );
  }
}
