import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, settings } from "../src/config.js";
import { runPlinth } from "./server-process.js";

// A wrong setting stops Plinth before it does anything, with one line naming
// the variable; `plinth config` shows every setting without leaking secrets.

/** A value each kind of setting must refuse. */
const wrongValue: Record<string, string | undefined> = { int: "abc", bool: "maybe", url: "not a url", urls: "postgres://ok/db, not a url", enum: "loud", roles: "api,bogus", hosts: "hooks.corp, not a host", string: undefined };

describe("loadConfig", () => {
  it("reads the defaults when nothing is set", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: "127.0.0.1", databaseUrl: undefined, openSignup: false, publicUrl: "http://localhost:3000" });
  });

  it.each(settings.filter((s) => wrongValue[s.kind] !== undefined).map((s) => [s.env, s.kind] as const))(
    "refuses a wrong %s (%s) with a one-line ConfigError naming it",
    (env, kind) => {
      let caught: unknown;
      try {
        loadConfig({ [env]: wrongValue[kind]! });
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      const message = (caught as ConfigError).message;
      expect(message.startsWith(`${env}:`)).toBe(true);
      expect(message).not.toContain("\n");
    },
  );

  it("refuses out-of-range numbers", () => {
    expect(() => loadConfig({ PORT: "70000" })).toThrow(/^PORT: must be between 0 and 65535/);
    expect(() => loadConfig({ DATABASE_POOL_SIZE: "0" })).toThrow(/^DATABASE_POOL_SIZE:/);
  });

  it("never repeats the value of a secret setting in its error", () => {
    expect(() => loadConfig({ DATABASE_URL: "s3cret-password" })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: "s3cret-password" })).not.toThrow(/s3cret/);
  });
});

describe("the plinth CLI", () => {
  it("exits non-zero with one clear line naming PORT when PORT is not a number", async () => {
    const proc = runPlinth(["serve"], { PORT: "abc" });
    const { code } = await proc.exited;
    expect(code).not.toBe(0);
    const lines = proc.stderr.filter((l) => l.trim() !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/configuration error: PORT: must be an integer \(got "abc"\)/);
    expect(proc.stdout.join("")).not.toContain("Plinth is running");
  });

  it("prints every setting with `plinth config`, secrets masked", async () => {
    const proc = runPlinth(["config"], {
      DATABASE_URL: "postgres://plinth:s3cret-db@db.internal:5432/plinth",
      REDIS_URL: "redis://:s3cret-redis@cache.internal:6379",
      PORT: "8080",
    });
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    const out = proc.stdout.join("\n");
    for (const s of settings) expect(out, s.env).toMatch(new RegExp(`^${s.env}\\s`, "m"));
    expect(out).toMatch(/^DATABASE_URL\s+\*{8}\s/m);
    expect(out).toMatch(/^REDIS_URL\s+\*{8}\s/m);
    expect(out).toMatch(/^PORT\s+8080\s/m);
    expect(out).not.toContain("s3cret");
  });
});
