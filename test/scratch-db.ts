import { randomBytes } from "node:crypto";
import pg from "pg";

// A PostgreSQL database of its own for tests that start the server or run
// migrations themselves (test/app.ts does the same for the app it builds).

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(base: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createScratchDatabase(base = process.env.TEST_DATABASE_URL): Promise<ScratchDatabase> {
  if (!base) throw new Error("a PostgreSQL scratch database needs TEST_DATABASE_URL");
  const name = `plinth_s_${randomBytes(6).toString("hex")}`;
  await admin(base, (c) => c.query(`create database ${name}`));
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(base, (c) => c.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}
