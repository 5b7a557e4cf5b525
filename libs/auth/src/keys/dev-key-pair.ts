import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface PemKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

export const DEV_PRIVATE_KEY_FILE = 'jwt-private.pem';
export const DEV_PUBLIC_KEY_FILE = 'jwt-public.pem';

/**
 * The development key pair in `dir`, created on first use. Services starting together agree on
 * one pair: the private key appears only complete and only once (written aside, then hard-linked
 * into place, which fails for every process but the first), and the public key is always derived
 * from whichever private key won.
 */
export async function ensureDevKeyPair(dir: string): Promise<PemKeyPair> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const privatePath = join(dir, DEV_PRIVATE_KEY_FILE);
  let privateKeyPem = await readIfExists(privatePath);
  if (privateKeyPem === undefined) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await createOnce(
      privatePath,
      privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      0o600,
    );
    privateKeyPem = await readFile(privatePath, 'utf8');
  }
  const publicKeyPem = createPublicKey(privateKeyPem).export({
    type: 'spki',
    format: 'pem',
  }) as string;
  const publicPath = join(dir, DEV_PUBLIC_KEY_FILE);
  if ((await readIfExists(publicPath)) !== publicKeyPem) {
    // Every writer writes the same bytes; rename makes each write all-or-nothing.
    const temp = await writeTemp(publicPath, publicKeyPem, 0o644);
    await rename(temp, publicPath);
  }
  return { privateKeyPem, publicKeyPem };
}

async function createOnce(path: string, content: string, mode: number): Promise<void> {
  const temp = await writeTemp(path, content, mode);
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temp);
  }
}

async function writeTemp(path: string, content: string, mode: number): Promise<string> {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(temp, 'wx', mode);
  try {
    await file.writeFile(content, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  return temp;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
