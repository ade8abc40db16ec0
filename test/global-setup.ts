import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { migrate } from "../src/platform/db/migrate.js";
import { dumpPglite, openPglite } from "../src/platform/db/pglite.js";

// initdb costs seconds; do it once, migrate, and let every test file load the image.
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), "plinth-test-"));
  const db = await openPglite({});
  await migrate(db);
  const image = await dumpPglite(db);
  await db.close();
  const file = join(dir, "template.tar");
  writeFileSync(file, Buffer.from(await image.arrayBuffer()));
  project.provide("pgliteTemplate", file);
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}
