import WebSocket from 'ws';

/** Where a Node process opens its inspector on SIGUSR1 when started without --inspect-port. */
const INSPECTOR = 'http://127.0.0.1:9229';

/** An answer of the inspector protocol. */
interface InspectorReply {
  id?: number;
  result?: Record<string, unknown> & { result?: { value?: unknown } };
  error?: { message: string };
}

/**
 * A session on the inspector of another Node process of ours, opened from outside without any
 * change to it: SIGUSR1 makes it listen on 127.0.0.1:9229; closing the session closes that
 * listener again. One process at a time (they would share the port).
 */
export class InspectorSession {
  private readonly pending = new Map<number, (reply: InspectorReply) => void>();
  private nextId = 0;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const reply = JSON.parse(data.toString()) as InspectorReply;
      if (reply.id !== undefined) this.pending.get(reply.id)?.(reply);
    });
  }

  /** Undefined when the port is held by something else or the process did not answer. */
  static async open(pid: number): Promise<InspectorSession | undefined> {
    if (await inspectorTargets()) return undefined;
    process.kill(pid, 'SIGUSR1');
    let targets: { webSocketDebuggerUrl: string }[] | undefined;
    for (let i = 0; i < 50 && !targets; i++) {
      await sleep(100);
      targets = await inspectorTargets();
    }
    if (!targets?.[0]) return undefined;
    const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const session = new InspectorSession(socket);
    const answer = await session.send('Runtime.evaluate', { expression: 'process.pid' });
    if (answer.result?.value !== pid) {
      await session.close();
      return undefined;
    }
    return session;
  }

  send(
    method: string,
    params: Record<string, unknown> = {},
  ): Promise<NonNullable<InspectorReply['result']>> {
    return new Promise((resolve, reject) => {
      const id = ++this.nextId;
      this.pending.set(id, (reply) => {
        this.pending.delete(id);
        if (reply.error) reject(new Error(`${method}: ${reply.error.message}`));
        else resolve(reply.result ?? {});
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Ends the session and closes the process's inspector (inspector.close() waits for it). */
  async close(): Promise<void> {
    await this.send('Runtime.evaluate', {
      expression: "setTimeout(() => process.getBuiltinModule('inspector').close(), 100), 1",
    }).catch(() => undefined);
    this.socket.close();
    for (let i = 0; i < 30 && (await inspectorTargets()); i++) await sleep(100);
  }
}

/**
 * A full garbage collection in another Node process of ours (twice, for what the first one's
 * finalizers let go), so that its resident memory is measured without the garbage of the moment.
 * False, having done nothing, when its inspector could not be opened.
 */
export async function collectGarbage(pid: number): Promise<boolean> {
  const session = await InspectorSession.open(pid);
  if (!session) return false;
  try {
    await session.send('HeapProfiler.collectGarbage');
    await session.send('HeapProfiler.collectGarbage');
    return true;
  } finally {
    await session.close();
  }
}

/** A V8 CPU profile as Profiler.stop returns it (the .cpuprofile format). */
export interface CpuProfile {
  nodes: { id: number; hitCount?: number; callFrame: { functionName: string; url: string } }[];
  samples?: number[];
}

/** A CPU profile of another Node process of ours over `during`; undefined if it cannot be taken. */
export async function profileCpu(
  pid: number,
  during: () => Promise<void>,
): Promise<CpuProfile | undefined> {
  const session = await InspectorSession.open(pid);
  if (!session) {
    await during();
    return undefined;
  }
  try {
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: 200 });
    await session.send('Profiler.start');
    await during();
    const { profile } = await session.send('Profiler.stop');
    return profile as CpuProfile;
  } finally {
    await session.close();
  }
}

/**
 * Where a profile's samples fall, by package (node_modules/<name>), Node built-in, the project's
 * own code (apps/<name>, libs/<name>) or V8's own entries ((garbage collector), (program)), in
 * percent of the samples that were not idle, largest first.
 */
export function profileByPackage(profile: CpuProfile, top = 12): Record<string, number> {
  const hits = new Map<string, number>();
  for (const node of profile.nodes) {
    const count = node.hitCount ?? 0;
    if (!count) continue;
    const group = packageOf(node.callFrame.url, node.callFrame.functionName);
    if (group === '(idle)') continue;
    hits.set(group, (hits.get(group) ?? 0) + count);
  }
  const total = [...hits.values()].reduce((a, b) => a + b, 0);
  return Object.fromEntries(
    [...hits]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([group, n]) => [group, Math.round((n / Math.max(1, total)) * 1000) / 10]),
  );
}

function packageOf(url: string, functionName: string): string {
  // Built-ins without a script: V8's own entries, and native functions named as they are called.
  if (!url) return functionName.startsWith('(') ? functionName : `native ${functionName}`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1];
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const own = /\/dist\/(apps|libs)\/([^/]+)/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  const bench = /\/(bench\/.+)\.js$/.exec(url);
  if (bench) return bench[1];
  return url;
}

async function inspectorTargets(): Promise<{ webSocketDebuggerUrl: string }[] | undefined> {
  try {
    const res = await fetch(`${INSPECTOR}/json/list`, { signal: AbortSignal.timeout(1000) });
    return (await res.json()) as { webSocketDebuggerUrl: string }[];
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
