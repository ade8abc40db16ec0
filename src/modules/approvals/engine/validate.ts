import type { FieldError } from "../../../platform/errors.js";
import { END, edgesOf, type FlowDefinition, type FlowNode } from "./definition.js";

// Save-time checks of a definition. Each problem names the offending node in its
// path (`body.nodes.<id>...`) so an editor can point at it.

const MAX_THRESHOLD_COUNT = 1000;
const MAX_TIMEOUT_HOURS = 24 * 365;
const MAX_MANAGER_LEVEL = 20;

export function validateDefinition(def: FlowDefinition): FieldError[] {
  const errors: FieldError[] = [];
  const at = (node: FlowNode | string, rest?: string) => `body.nodes.${typeof node === "string" ? node : node.id}${rest ? `.${rest}` : ""}`;
  const ids = new Set<string>();
  for (const node of def.nodes) {
    if (node.id === END) errors.push({ path: at(node, "id"), message: `"${END}" is reserved for the end of the flow` });
    if (ids.has(node.id)) errors.push({ path: at(node, "id"), message: `node id "${node.id}" is used twice` });
    ids.add(node.id);
  }
  const exists = (target: string) => target === END || ids.has(target);

  for (const node of def.nodes) {
    for (const e of edgesOf(def, node)) {
      if (!exists(e.target)) errors.push({ path: at(node, e.path), message: `node "${node.id}" leads to "${e.target}", which does not exist` });
      if (e.target === node.id) errors.push({ path: at(node, e.path), message: `node "${node.id}" leads to itself` });
    }
    switch (node.type) {
      case "approval":
        checkApprovers(node, errors, at);
        checkThreshold(node, errors, at);
        if (node.timeout && !(node.timeout.hours > 0 && node.timeout.hours <= MAX_TIMEOUT_HOURS)) {
          errors.push({ path: at(node, "timeout.hours"), message: `must be more than 0 and at most ${MAX_TIMEOUT_HOURS}` });
        }
        break;
      case "cc":
        checkApprovers(node, errors, at);
        break;
      case "branch":
        if (node.branches.length === 0) errors.push({ path: at(node, "branches"), message: `branch node "${node.id}" needs at least one condition` });
        if (node.default === undefined || node.default === "") {
          errors.push({ path: at(node, "default"), message: `branch node "${node.id}" needs a default target` });
        }
        node.branches.forEach((b, i) => {
          if (b.when.op === "in" && !Array.isArray(b.when.value)) {
            errors.push({ path: at(node, `branches.${i}.when.value`), message: "must be a list for the in operator" });
          }
          if (["gt", "gte", "lt", "lte"].includes(b.when.op) && typeof b.when.value !== "number" && typeof b.when.value !== "string") {
            errors.push({ path: at(node, `branches.${i}.when.value`), message: `must be a number or a string for ${b.when.op}` });
          }
        });
        break;
    }
  }
  if (errors.length === 0) {
    const cycleAt = findCycle(def);
    if (cycleAt) errors.push({ path: at(cycleAt), message: `the flow loops back through node "${cycleAt}"` });
  }
  return errors;
}

function checkApprovers(node: FlowNode & { approvers: { type: string; level?: number; field?: string }[] }, errors: FieldError[], at: (n: FlowNode, rest?: string) => string) {
  if (node.approvers.length === 0) errors.push({ path: at(node, "approvers"), message: `node "${node.id}" needs at least one approver rule` });
  node.approvers.forEach((rule, i) => {
    if (rule.type === "manager" && rule.level !== undefined && !(Number.isInteger(rule.level) && rule.level >= 1 && rule.level <= MAX_MANAGER_LEVEL)) {
      errors.push({ path: at(node, `approvers.${i}.level`), message: `must be an integer from 1 to ${MAX_MANAGER_LEVEL}` });
    }
    if (rule.type === "form_field" && !rule.field?.trim()) errors.push({ path: at(node, `approvers.${i}.field`), message: "must name a form field" });
  });
}

function checkThreshold(node: Extract<FlowNode, { type: "approval" }>, errors: FieldError[], at: (n: FlowNode, rest?: string) => string) {
  const t = node.threshold;
  if (node.mode !== "threshold") {
    if (t) errors.push({ path: at(node, "threshold"), message: `only threshold nodes take a threshold (node "${node.id}" is ${node.mode})` });
    return;
  }
  if (!t || (t.count === undefined) === (t.percent === undefined)) {
    errors.push({ path: at(node, "threshold"), message: `threshold node "${node.id}" needs exactly one of count or percent` });
    return;
  }
  if (t.count !== undefined && !(Number.isInteger(t.count) && t.count >= 1 && t.count <= MAX_THRESHOLD_COUNT)) {
    errors.push({ path: at(node, "threshold.count"), message: `must be an integer from 1 to ${MAX_THRESHOLD_COUNT}` });
  }
  if (t.percent !== undefined && !(Number.isInteger(t.percent) && t.percent >= 1 && t.percent <= 100)) {
    errors.push({ path: at(node, "threshold.percent"), message: "must be an integer from 1 to 100" });
  }
}

/** A node on a cycle, or undefined when the graph is acyclic (iterative DFS, white/grey/black). */
function findCycle(def: FlowDefinition): string | undefined {
  const state = new Map<string, 1 | 2>();
  const byId = new Map(def.nodes.map((n) => [n.id, n]));
  for (const start of def.nodes) {
    if (state.has(start.id)) continue;
    const stack: { id: string; edges: string[] }[] = [{ id: start.id, edges: edgesOf(def, start).map((e) => e.target) }];
    state.set(start.id, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const next = top.edges.pop();
      if (next === undefined) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const node = byId.get(next);
      if (!node) continue;
      const s = state.get(next);
      if (s === 1) return next;
      if (s === 2) continue;
      state.set(next, 1);
      stack.push({ id: next, edges: edgesOf(def, node).map((e) => e.target) });
    }
  }
  return undefined;
}
