import pg from "pg";

// PostgreSQL's own counters around a phase (postgres mode only): committed
// transactions and, per table, sequential versus index scans. A hot path that
// scans a big table shows up here before it shows up in p99 on the large tier.
// The statistics collector flushes about once a second, so figures are approximate.

interface TableCounters {
  seq_scan: number;
  seq_tup_read: number;
  idx_scan: number;
}

interface Snapshot {
  xactCommit: number;
  xactRollback: number;
  tables: Map<string, TableCounters>;
}

export interface DatabaseActivity {
  transactions: number;
  rollbacks: number;
  /** per table: sequential scans, rows they read, index scans */
  tables: Record<string, { seqScans: number; seqRowsRead: number; indexScans: number }>;
}

async function snapshot(c: pg.Client): Promise<Snapshot> {
  const db = await c.query<{ xact_commit: string; xact_rollback: string }>(
    "select xact_commit, xact_rollback from pg_stat_database where datname = current_database()",
  );
  const t = await c.query<{ relname: string; seq_scan: string; seq_tup_read: string; idx_scan: string | null }>(
    "select relname, seq_scan, seq_tup_read, idx_scan from pg_stat_user_tables",
  );
  return {
    xactCommit: Number(db.rows[0]?.xact_commit ?? 0),
    xactRollback: Number(db.rows[0]?.xact_rollback ?? 0),
    tables: new Map(t.rows.map((r) => [r.relname, { seq_scan: Number(r.seq_scan), seq_tup_read: Number(r.seq_tup_read), idx_scan: Number(r.idx_scan ?? 0) }])),
  };
}

/** Starts counting; stop() returns what happened in between. */
export async function watchDatabase(url: string): Promise<{ stop(): Promise<DatabaseActivity> }> {
  const c = new pg.Client({ connectionString: url, application_name: "plinth-bench-stats" });
  await c.connect();
  await c.query("select pg_stat_clear_snapshot()");
  const before = await snapshot(c);
  return {
    async stop(): Promise<DatabaseActivity> {
      // Let backends flush their pending counters (they do so at most once a second).
      await new Promise((r) => setTimeout(r, 1200));
      await c.query("select pg_stat_clear_snapshot()");
      const after = await snapshot(c);
      await c.end();
      const tables: DatabaseActivity["tables"] = {};
      for (const [name, a] of after.tables) {
        const b = before.tables.get(name) ?? { seq_scan: 0, seq_tup_read: 0, idx_scan: 0 };
        const d = { seqScans: a.seq_scan - b.seq_scan, seqRowsRead: a.seq_tup_read - b.seq_tup_read, indexScans: a.idx_scan - b.idx_scan };
        if (d.seqScans || d.indexScans) tables[name] = d;
      }
      return { transactions: after.xactCommit - before.xactCommit, rollbacks: after.xactRollback - before.xactRollback, tables };
    },
  };
}

export function formatDatabaseActivity(a: DatabaseActivity, requests: number): string {
  const perReq = requests > 0 ? (a.transactions / requests).toFixed(1) : "0";
  const rows = Object.entries(a.tables)
    .sort((x, y) => y[1].seqRowsRead - x[1].seqRowsRead || y[1].indexScans - x[1].indexScans)
    .map(([t, d]) => `${t} ${d.indexScans} idx / ${d.seqScans} seq (${d.seqRowsRead} rows)`);
  return `PostgreSQL: ${a.transactions} transactions (${perReq} per request), ${a.rollbacks} rollbacks; scans: ${rows.join(", ") || "none"}`;
}
