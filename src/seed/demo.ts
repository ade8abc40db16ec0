import type { Services } from "../modules/index.js";

/** Filled in once projects and tasks exist. */
export function seedDemo(_s: Services): Promise<string> {
  return Promise.resolve("demo data: nothing to seed yet");
}
