import { describe, expect, it } from "vitest";
import { pickAssignee, type Candidate } from "./pick.js";

const c = (userId: string, allocatedHours: number, capacityHours: number, skills: string[] = []): Candidate => ({ userId, name: userId, skills, allocatedHours, capacityHours });

describe("automatic assignment", () => {
  const team = [c("ann", 30, 40, ["backend"]), c("bob", 10, 20, ["Frontend"]), c("cid", 12, 40, ["backend", "db"]), c("dee", 0, 0)];

  it("picks the member with the lowest share of capacity taken, never one with none", () => {
    expect(pickAssignee("least_loaded", team, [], null)).toEqual({
      userId: "cid",
      reason: { strategy: "least_loaded", candidates: 4, matchedLabels: [], allocatedHours: 12, capacityHours: 40, load: 0.3 },
    });
  });

  it("prefers members whose skills match the task's labels, case-insensitively", () => {
    expect(pickAssignee("least_loaded", team, ["frontend"], null)).toMatchObject({ userId: "bob", reason: { candidates: 1, matchedLabels: ["frontend"] } });
    expect(pickAssignee("least_loaded", team, ["backend", "ops"], null)).toMatchObject({ userId: "cid", reason: { candidates: 2, matchedLabels: ["backend"] } });
    expect(pickAssignee("least_loaded", team, ["design"], null)).toMatchObject({ userId: "cid", reason: { candidates: 4, matchedLabels: [] } });
  });

  it("goes round the members in name order, continuing after the last one", () => {
    expect(pickAssignee("round_robin", team, [], null)!.userId).toBe("ann");
    expect(pickAssignee("round_robin", team, [], "ann")!.userId).toBe("bob");
    expect(pickAssignee("round_robin", team, [], "dee")).toMatchObject({ userId: "ann", reason: { after: "dee" } });
    expect(pickAssignee("round_robin", team, ["backend"], "ann")!.userId).toBe("cid");
    expect(pickAssignee("round_robin", team, [], "someone-gone")).toMatchObject({ userId: "ann", reason: { after: null } });
  });

  it("has nobody to pick from an empty team", () => {
    expect(pickAssignee("least_loaded", [], ["x"], null)).toBeUndefined();
  });
});
