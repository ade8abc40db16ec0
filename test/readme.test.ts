import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { settings } from "../src/config.js";

describe("README", () => {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

  it("documents every setting the server reads", () => {
    const missing = settings.map((s) => s.env).filter((env) => !readme.includes(`\`${env}\``));
    expect(missing).toEqual([]);
  });

  it("shows the two commands and a Chinese quick start", () => {
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm test");
    expect(readme).toContain("中文快速上手");
  });
});
