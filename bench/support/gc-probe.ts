import WebSocket from 'ws';

/** Where a Node process opens its inspector on SIGUSR1 when started without --inspect-port. */
const INSPECTOR = 'http://127.0.0.1:9229';

/**
 * A full garbage collection in another Node process of ours, so that its resident memory is
 * measured without the garbage of the moment: SIGUSR1 opens its inspector on 127.0.0.1:9229,
 * `HeapProfiler.collectGarbage` runs a full GC (twice, for what the first one's finalizers let go),
 * then the process closes its inspector again. One process at a time (they share the port).
 * Returns false, having done nothing, when the port is held by something else.
 */
export async function collectGarbage(pid: number): Promise<boolean> {
  if (await inspectorTargets()) return false;
  process.kill(pid, 'SIGUSR1');
  let targets: { webSocketDebuggerUrl: string }[] | undefined;
  for (let i = 0; i < 50 && !targets; i++) {
    await sleep(100);
    targets = await inspectorTargets();
  }
  if (!targets?.[0]) return false;
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const pending = new Map<number, (reply: InspectorReply) => void>();
  socket.on('message', (data: Buffer) => {
    const reply = JSON.parse(data.toString()) as InspectorReply;
    if (reply.id !== undefined) pending.get(reply.id)?.(reply);
  });
  let id = 0;
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<InspectorReply>((resolve) => {
      pending.set(++id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    const answer = await send('Runtime.evaluate', { expression: 'process.pid' });
    if (answer.result?.result?.value !== pid) return false;
    await send('HeapProfiler.collectGarbage');
    await send('HeapProfiler.collectGarbage');
    // inspector.close() waits for the sessions to end: this one ends first.
    await send('Runtime.evaluate', {
      expression: "setTimeout(() => process.getBuiltinModule('inspector').close(), 100), 1",
    });
    return true;
  } finally {
    socket.close();
    for (let i = 0; i < 30 && (await inspectorTargets()); i++) await sleep(100);
  }
}

/** An answer of the inspector protocol; `result.result.value` is what Runtime.evaluate gave. */
interface InspectorReply {
  id?: number;
  result?: { result?: { value?: unknown } };
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
