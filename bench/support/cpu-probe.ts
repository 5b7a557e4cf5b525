import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Linux reports process CPU time in clock ticks; 100 per second on every common kernel build. */
const TICKS_PER_SECOND = 100;

/** CPU used during a window, in percent of one core (so a 2-core machine tops out at 200). */
export interface CpuShare {
  wall_s: number;
  /** Everything the machine did, this benchmark or not. */
  machine_pct: number;
  components: Record<string, number>;
  /** machine_pct minus the named components: other work on the machine skews the numbers. */
  other_pct: number;
}

/**
 * Where the CPU goes during a measured window: per named component (a set of processes, found
 * again at each sample so that pooled Postgres backends are counted), plus the machine's total
 * from /proc/stat. Linux only; elsewhere the shares are empty.
 */
export class CpuProbe {
  private before: { at: number; machine: number; pids: Map<number, number> } | undefined;

  constructor(private readonly components: Record<string, () => number[]>) {}

  /** Processes whose command name (`/proc/<pid>/comm`) is `name`, e.g. `postgres`. */
  static byCommand(name: string): () => number[] {
    return () => {
      const pids: number[] = [];
      for (const entry of safeReaddir('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        if (safeRead(`/proc/${entry}/comm`).trim() === name) pids.push(Number(entry));
      }
      return pids;
    };
  }

  start(): void {
    this.before = { at: performance.now(), machine: machineBusyTicks(), pids: this.sampleAll() };
  }

  stop(): CpuShare {
    const before = this.before;
    if (!before) throw new Error('CpuProbe.stop() before start()');
    const wallS = (performance.now() - before.at) / 1000;
    const pct = (ticks: number) => round((ticks / TICKS_PER_SECOND / wallS) * 100);
    const components: Record<string, number> = {};
    let named = 0;
    for (const [name, pidsOf] of Object.entries(this.components)) {
      let ticks = 0;
      for (const pid of pidsOf()) ticks += processTicks(pid) - (before.pids.get(pid) ?? 0);
      components[name] = pct(ticks);
      named += ticks;
    }
    const machine = machineBusyTicks() - before.machine;
    return {
      wall_s: round(wallS),
      machine_pct: pct(machine),
      components,
      other_pct: pct(Math.max(0, machine - named)),
    };
  }

  private sampleAll(): Map<number, number> {
    const ticks = new Map<number, number>();
    for (const pidsOf of Object.values(this.components)) {
      for (const pid of pidsOf()) ticks.set(pid, processTicks(pid));
    }
    return ticks;
  }
}

/** utime + stime of a process, in ticks (0 when it is gone). */
function processTicks(pid: number): number {
  const stat = safeRead(`/proc/${pid}/stat`);
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields.length > 12 ? Number(fields[11]) + Number(fields[12]) : 0;
}

/** Busy ticks of the whole machine: every /proc/stat "cpu" column but idle and iowait. */
function machineBusyTicks(): number {
  const line = safeRead('/proc/stat').split('\n')[0] ?? '';
  const [, ...values] = line.trim().split(/\s+/);
  const n = values.slice(0, 8).map(Number);
  if (n.length < 8) return 0;
  const [user, nice, system, , , irq, softirq, steal] = n;
  return user + nice + system + irq + softirq + steal;
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * Percent of one core over a window at `rate` units (messages, submissions) per second, as CPU
 * milliseconds per unit, by component.
 */
export function cpuMsPerUnit(cpu: CpuShare, rate: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pct] of Object.entries(cpu.components)) {
    out[name] = rate > 0 ? Math.round((pct * 10 * 100) / rate) / 100 : 0;
  }
  return out;
}
