import { recordSecret, recordTokens } from '../support/secrets';
import { truncate, type Findings } from './findings';
import type { BuiltRequest, HttpCase } from './http-cases';
import type { Markers } from './markers';
import type { World } from './world';

/** An answer slower than this is a hang. */
export const ANSWER_TIMEOUT_MS = 5000;

export interface RunOptions {
  baseUrl: string;
  world: World;
  findings: Findings;
  markers: Markers;
  concurrency: number;
  /** Print every case and its answer (a replay of one case). */
  verbose?: boolean;
}

/** Runs `cases` (numbered from `firstId`) with bounded concurrency and checks every answer. */
export async function runHttpCases(
  cases: { id: number; case: HttpCase }[],
  options: RunOptions,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const item = cases[next++]!;
      await runOne(item.id, item.case, options);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
}

async function runOne(
  id: number,
  c: HttpCase,
  { baseUrl, world, findings, markers, verbose }: RunOptions,
) {
  const marker = markers.http(id);
  const built = c.build({ marker, world, caller: c.caller });
  findings.seen(c.operation, c.tags);
  const report = (
    problem: string,
    status: number | string | undefined,
    answer: string,
    signature?: string,
  ) =>
    findings.add({
      problem,
      where: c.operation,
      status,
      signature,
      caseId: String(id),
      tags: c.tags,
      request: describe(built, c.caller),
      answer,
    });

  const started = Date.now();
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${baseUrl}${built.target}`, {
      method: built.method,
      headers: built.headers,
      body: built.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
    text = await res.text();
  } catch (error) {
    const err = error as Error & { cause?: { code?: string; message?: string } };
    markers.refuse(marker, String(id), `${err.name} ${err.message}`);
    if (err.name === 'TimeoutError') {
      report('hang', undefined, `no answer within ${ANSWER_TIMEOUT_MS} ms`);
    } else {
      report(
        'no answer',
        err.cause?.code ?? err.name,
        `${err.message}: ${err.cause?.message ?? ''} after ${Date.now() - started} ms`,
      );
    }
    return;
  }
  const contentType = res.headers.get('content-type') ?? '';
  const answer = `${res.status} ${contentType} ${truncate(text, 300)}`;
  if (verbose) {
    process.stdout.write(
      `case ${id} [${c.tags.join(' ')}]\n  sent: ${describe(built, c.caller)}\n  got:  ${answer}\n`,
    );
  }
  if (res.status >= 400) markers.refuse(marker, String(id), answer);
  if (res.status === 503 && built.target.startsWith('/health') && isHealthReport(text)) {
    // API.md's own answer while a service is not ready (its probe timed out under the load):
    // told, not failed; the health check after the run must be 200.
    process.stdout.write(`fuzz: case ${id}: GET /health answered 503 ${truncate(text, 200)}\n`);
    return;
  }
  if (res.status >= 500) {
    report('5xx', res.status, answer, answerSignature(text));
    return;
  }
  if (res.status >= 400) {
    const problem = errorBodyProblem(contentType, text);
    if (problem) report(`error body: ${problem}`, res.status, answer, answerSignature(text));
    return;
  }
  if (res.status >= 200 && res.status < 300 && c.mustRefuse) {
    report('accepted an invalid input', res.status, `${answer} (expected a 400: ${c.mustRefuse})`);
  }
  if (res.status >= 200 && res.status < 300 && c.checkAnswer) {
    let problem: string | undefined;
    try {
      problem = c.checkAnswer(JSON.parse(text), { marker, world, caller: c.caller });
    } catch {
      problem = 'not JSON';
    }
    if (problem) report(`wrong answer: ${problem}`, res.status, answer);
  }
  if (res.status >= 200 && res.status < 300) {
    // Tokens the platform issued and passwords it took belong to the log audit's secrets.
    if (contentType.includes('json') && text.includes('_token')) recordTokens(JSON.parse(text));
    if (built.password !== undefined) recordSecret('password', built.password);
  }
}

/** What is wrong with a 4xx answer's body, if anything (API.md: JSON with a string `detail`). */
export function errorBodyProblem(contentType: string, text: string): string | undefined {
  if (!contentType.includes('application/json')) return `content-type "${contentType}"`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail !== 'string' || detail.trim().length === 0) return 'no string detail';
  if (/\bat .+\.(js|ts):\d+/.test(text)) return 'stack trace';
  return undefined;
}

function isHealthReport(text: string): boolean {
  try {
    const body = JSON.parse(text) as { status?: unknown; services?: unknown };
    return typeof body.status === 'string' && typeof body.services === 'object';
  } catch {
    return false;
  }
}

/** An answer's shape: its JSON keys and its framework error code or name, if any. */
export function answerSignature(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const name = body.code ?? body.error;
    return `{${Object.keys(body).sort().join(',')}}${typeof name === 'string' ? ` ${name}` : ''}`;
  } catch {
    return text.length === 0 ? 'empty body' : 'not JSON';
  }
}

function describe(built: BuiltRequest, caller: string): string {
  const headers = Object.entries(built.headers)
    .filter(([k]) => k !== 'authorization')
    .map(([k, v]) => `${k}: ${truncate(v, 60)}`)
    .join(', ');
  const body =
    built.body === undefined
      ? ''
      : typeof built.body === 'string'
        ? ` body ${truncate(built.body, 240)}`
        : ` body (bytes) ${truncate(Buffer.from(built.body).toString('utf8'), 240)}`;
  return `${built.method} ${truncate(built.target, 200)} as ${caller} [${headers}]${body}`;
}
