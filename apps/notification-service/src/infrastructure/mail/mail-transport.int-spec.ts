import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { createMailTransport, withoutCredentials } from './mail-transport';

/** The transport of development without an SMTP server: .eml files on the real file system. */
describe('the drop-folder mail transport', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'ajla-mail-drop-'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes each mail as <id>.eml in the folder (created if missing) and logs where', async () => {
    const logged: string[] = [];
    const dropDir = path.join(root, 'tmp', 'mail');
    const transport = createMailTransport({
      from: 'AJLA <no-reply@ajla.test>',
      dropDir,
      logger: { log: (line: string) => logged.push(line) },
    });
    expect(transport.description).toBe(`.eml files in ${dropDir}`);

    await transport.send({
      id: 'mail-1',
      to: 'client@ajla.test',
      subject: 'Your request is fulfilled',
      text: 'Everything is arranged.',
      html: '<p>Everything is arranged.</p>',
    });

    expect(readdirSync(dropDir)).toEqual(['mail-1.eml']);
    const file = path.join(dropDir, 'mail-1.eml');
    const mail = await simpleParser(readFileSync(file));
    expect(mail.subject).toBe('Your request is fulfilled');
    expect(mail.from?.value[0]).toMatchObject({ name: 'AJLA', address: 'no-reply@ajla.test' });
    expect([mail.to].flat()[0]?.text).toBe('client@ajla.test');
    expect(mail.text?.trim()).toBe('Everything is arranged.');
    expect(mail.html).toContain('<p>Everything is arranged.</p>');
    expect(logged).toEqual([`Mail "Your request is fulfilled" written to ${file}`]);
    transport.close();
  });

  it('describes an SMTP server without its credentials', () => {
    const transport = createMailTransport({
      smtpUrl: 'smtp://mailer:s3cret@mail.example:2525',
      from: 'AJLA <no-reply@ajla.test>',
      dropDir: root,
      logger: { log: () => undefined },
    });
    expect(transport.description).toBe('SMTP smtp://mail.example:2525');
    expect(withoutCredentials('smtps://u:p@h')).toBe('smtps://h');
    transport.close();
  });
});
