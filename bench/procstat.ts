import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem } from "node:os";

// Server memory and CPU straight from /proc (Linux), sampled by the harness so
// the numbers include everything in the process: V8 heap, buffers and, in
// embedded mode, PGlite's WASM memory.

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

export interface ProcSnapshot {
  rssMb: number;
  /** user + system CPU seconds since the process started */
  cpuSeconds: number;
}

export function readProc(pid: number): ProcSnapshot | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name "(...)": state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssMb: rssKb / 1024, cpuSeconds: ticks / ticksPerSecond() };
  } catch {
    return undefined;
  }
}

/** Whole-machine busy time from /proc/stat, to show how loaded the box was during a phase. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

export interface ProcUsage {
  rssMbMax: number;
  rssMbEnd: number;
  /** CPU use of the process over the phase, in % of one core (200% = both cores of a 2-core box). */
  cpuPercent: number;
}

export interface PhaseUsage {
  servers: ProcUsage[];
  /** PostgreSQL backends serving the bench database (postgres mode), % of one core. */
  databaseCpuPercent?: number;
  /** The driver (this process). */
  driverCpuPercent: number;
  /** Whole machine, % of all cores. */
  machineBusyPercent: number;
  /**
   * CPU used by everything else on the machine (Redis, other workloads), % of one
   * core: on a shared box this is what the measured processes could not have.
   */
  otherCpuPercent: number;
}

/** Pids whose command line contains `needle` (PostgreSQL titles backends "postgres: user db host state"). */
function pidsMatching(needle: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(needle)) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * CPU of a changing set of processes (pooled backends come and go): each pid's
 * CPU from first sight to last sight. A backend that exits between two samples
 * loses at most one interval of its time, so this slightly under-counts.
 */
class GroupCpu {
  private readonly seen = new Map<number, { first: number; last: number }>();
  constructor(private readonly needle: string) {
    this.sample(true);
  }

  sample(initial = false): void {
    for (const pid of pidsMatching(this.needle)) {
      const s = readProc(pid);
      if (!s) continue;
      const e = this.seen.get(pid);
      // A backend first seen after the start began inside the phase: all its CPU counts.
      if (!e) this.seen.set(pid, { first: initial ? s.cpuSeconds : 0, last: s.cpuSeconds });
      else e.last = s.cpuSeconds;
    }
  }

  seconds(): number {
    let total = 0;
    for (const e of this.seen.values()) total += e.last - e.first;
    return total;
  }
}

/** Samples the given pids every 500 ms until stop() is called; `database` names the bench database to follow too. */
export function watchProcesses(pids: number[], database?: string): { stop(): PhaseUsage } {
  const start = pids.map((p) => readProc(p));
  const db = database ? new GroupCpu(` ${database} `) : undefined;
  const max = start.map((s) => s?.rssMb ?? 0);
  const t0 = performance.now();
  const driver0 = process.cpuUsage();
  const machine0 = machineTicks();
  const timer = setInterval(() => {
    pids.forEach((p, i) => {
      const s = readProc(p);
      if (s) max[i] = Math.max(max[i]!, s.rssMb);
    });
    db?.sample();
  }, 500);
  timer.unref();
  return {
    stop(): PhaseUsage {
      clearInterval(timer);
      db?.sample();
      const wall = (performance.now() - t0) / 1000;
      const servers = pids.map((p, i) => {
        const end = readProc(p);
        const cpu = end && start[i] ? end.cpuSeconds - start[i].cpuSeconds : 0;
        return {
          rssMbMax: Math.round(Math.max(max[i]!, end?.rssMb ?? 0)),
          rssMbEnd: Math.round(end?.rssMb ?? 0),
          cpuPercent: Math.round((cpu / Math.max(wall, 1e-9)) * 100),
        };
      });
      const d = process.cpuUsage(driver0);
      const machine1 = machineTicks();
      const busy = machine0 && machine1 ? (machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total) : 0;
      const dbPercent = db ? Math.round((db.seconds() / Math.max(wall, 1e-9)) * 100) : undefined;
      const driverPercent = Math.round(((d.user + d.system) / 1e6 / Math.max(wall, 1e-9)) * 100);
      const ours = servers.reduce((sum, x) => sum + x.cpuPercent, 0) + (dbPercent ?? 0) + driverPercent;
      return {
        servers,
        ...(dbPercent === undefined ? {} : { databaseCpuPercent: dbPercent }),
        driverCpuPercent: driverPercent,
        machineBusyPercent: Math.round(busy * 100),
        otherCpuPercent: Math.max(0, Math.round(busy * cpus().length * 100 - ours)),
      };
    },
  };
}

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryMb: number;
  freeMemoryMb: number;
  node: string;
  loadavg: number[];
  platform: string;
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    nproc: c.length,
    cpuModel: c[0]?.model ?? "unknown",
    memoryMb: Math.round(totalmem() / 1048576),
    freeMemoryMb: Math.round(freemem() / 1048576),
    node: process.version,
    loadavg: loadavg().map((x) => Number(x.toFixed(2))),
    platform: `${process.platform}-${process.arch}`,
  };
}
