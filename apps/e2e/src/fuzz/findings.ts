import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/state';

/** One case that broke a property. */
export interface Finding {
  /** Which property: `5xx`, `error body`, `hang`, `no answer`, `close 1011`... */
  problem: string;
  /** Where: `METHOD /template`, `ws chat frame`, `ws chat handshake`... */
  where: string;
  /** What the answer looked like (its JSON keys and error name), to tell framework answers apart. */
  signature?: string;
  /** The answer's status or close code, when there is one. */
  status?: number | string;
  /** The case's number (replay with FUZZ_CASE, FUZZ_FRAME or FUZZ_HANDSHAKE). */
  caseId: string;
  tags: string[];
  request: string;
  answer: string;
}

/**
 * The failures of a run, grouped by property, place and status, each group with its likeliest
 * cause (the tags far more frequent among its failures than among all cases of that place) and a
 * replayable example or two.
 */
export class Findings {
  private readonly groups = new Map<string, { findings: Finding[]; count: number }>();
  /** Tag counts over every case of a place, to tell the tags of a failure from the usual ones. */
  private readonly tagsByPlace = new Map<string, { total: number; tags: Map<string, number> }>();

  constructor(
    readonly seed: number,
    private readonly replay: (caseId: string) => string,
  ) {}

  /** Counts a case's tags (failed or not). */
  seen(where: string, tags: string[]): void {
    let place = this.tagsByPlace.get(where);
    if (!place) this.tagsByPlace.set(where, (place = { total: 0, tags: new Map() }));
    place.total++;
    for (const tag of tags) place.tags.set(tag, (place.tags.get(tag) ?? 0) + 1);
  }

  add(finding: Finding): void {
    const key = [
      finding.problem,
      finding.status ?? '',
      areaOf(finding.where),
      finding.signature ?? '',
    ]
      .filter((part) => part !== '')
      .join(' | ');
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { findings: [], count: 0 }));
    group.count++;
    group.findings.push(finding);
  }

  get size(): number {
    return [...this.groups.values()].reduce((n, g) => n + g.count, 0);
  }

  /** The report: empty when nothing failed. */
  report(title: string): string {
    if (this.groups.size === 0) return '';
    const sorted = [...this.groups.entries()].sort((a, b) => b[1].count - a[1].count);
    const body: string[] = [];
    let classes = 0;
    for (const [key, group] of sorted) {
      const places = [...new Set(group.findings.map((f) => f.where))];
      body.push(
        '',
        `[${key}] ${group.count} case(s) in ${places.length} place(s): ${places.slice(0, 6).join(', ')}${places.length > 6 ? ', …' : ''}`,
      );
      for (const cause of this.causes(group.findings)) {
        classes++;
        const f = cause.findings[0]!;
        body.push(
          `  cause ${cause.tag}: ${cause.findings.length} case(s), e.g. case ${f.caseId} (${this.replay(f.caseId)})`,
          `    tags: ${f.tags.join(' ')}`,
          `    sent: ${f.request}`,
          `    got:  ${f.answer}`,
        );
      }
    }
    return [
      `${title}: ${this.size} failing case(s) in ${classes} class(es), seed ${this.seed}`,
      ...body,
    ].join('\n');
  }

  /** Writes the report to tmp/ (the whole of it: the test's failure message may be cut). */
  save(name: string, report: string): string {
    const file = path.join(REPO_ROOT, 'tmp', name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, report);
    return file;
  }

  /**
   * Splits failures that look alike by their likeliest causes: again and again, the tag that
   * covers most of the rest while being far more frequent among them than among all cases of
   * their places (a hostile value, not the caller who happened to send it).
   */
  private causes(findings: Finding[]): { tag: string; findings: Finding[] }[] {
    const base = new Map<string, number>();
    let total = 0;
    for (const where of new Set(findings.map((f) => f.where))) {
      const place = this.tagsByPlace.get(where);
      if (!place) continue;
      total += place.total;
      for (const [tag, n] of place.tags) base.set(tag, (base.get(tag) ?? 0) + n);
    }
    const causes: { tag: string; findings: Finding[] }[] = [];
    let rest = findings;
    while (rest.length > 0) {
      const counts = new Map<string, number>();
      for (const f of rest) {
        for (const tag of new Set(f.tags)) {
          if (!UNREMARKABLE.test(tag)) counts.set(tag, (counts.get(tag) ?? 0) + 1);
        }
      }
      let best: { tag: string; n: number; lift: number } | undefined;
      for (const [tag, n] of counts) {
        const baseShare = total > 0 ? (base.get(tag) ?? n) / total : 1;
        const lift = n / rest.length / Math.max(baseShare, 1e-9);
        if (lift < 2 && rest.length > 1) continue;
        if (!best || n > best.n || (n === best.n && lift > best.lift)) best = { tag, n, lift };
      }
      if (!best || causes.length >= 10) {
        causes.push({ tag: '(no tag stands out)', findings: rest });
        break;
      }
      const tag = best.tag;
      causes.push({ tag, findings: rest.filter((f) => f.tags.includes(tag)) });
      rest = rest.filter((f) => !f.tags.includes(tag));
    }
    return causes;
  }
}

/** Tags that describe ordinary cases: never a cause by themselves. */
const UNREMARKABLE =
  /(^|[.:])valid\b|\.absent$|^caller:(client|other_client|agent|admin)$|id:(mine|theirs|random)$|^token:query$/;

/** Which service answers a place (the gateway's prefixes), so one cause on many routes is one class. */
function areaOf(where: string): string {
  const path = where.split(' ')[1] ?? where;
  if (where.startsWith('ws ')) return where.split(' ').slice(0, 2).join(' ');
  if (/^\/api\/v1\/(auth|users|admin\/users)|^\/\.well-known/.test(path)) return 'user-service';
  if (/^\/api\/v1\/(admin\/)?requests/.test(path)) return 'request-service';
  if (/^\/api\/v1\/(conversations|messages)/.test(path)) return 'conversation-service';
  if (/^\/api\/v1\/(notifications|admin\/webhooks)/.test(path)) return 'notification-service';
  return 'gateway';
}

/** At most `max` characters of a text, saying how much was cut. */
export function truncate(text: string, max = 300): string {
  const printable = JSON.stringify(text).slice(1, -1);
  return printable.length <= max ? printable : `${printable.slice(0, max)}… (${text.length} chars)`;
}
