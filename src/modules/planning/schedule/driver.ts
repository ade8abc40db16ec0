import type { Locale } from "../../../platform/i18n.js";
import type { DependencyType } from "./cpm.js";

// Why a task starts (or finishes) when it does, in the reader's language.

export type DriverText =
  | { kind: "dependency"; date: string; milestone: boolean; predecessorKey: string; predecessorDate: string; type: DependencyType; lag: number; viaParentKey?: string }
  | { kind: "startDate" | "dueDate" | "milestoneDate"; date: string; planned: string }
  | { kind: "parentStartDate"; date: string; parentKey: string; planned: string }
  | { kind: "subtasks"; start: string; finish: string; firstKey: string; lastKey: string }
  | { kind: "projectStart"; date: string; milestone: boolean };

export const formatLink = (type: DependencyType, lag: number): string => `${type} ${lag >= 0 ? "+" : "-"}${Math.abs(lag)}`;

// FS and SS tie the successor's start; FF and SF its finish. FS and FF read the predecessor's finish.
const tiesFinish = (type: DependencyType) => type === "FF" || type === "SF";
const readsPredecessorFinish = (type: DependencyType) => type === "FS" || type === "FF";

export function describeDriver(d: DriverText, locale: Locale): string {
  return locale === "zh-CN" ? chinese(d) : english(d);
}

function english(d: DriverText): string {
  switch (d.kind) {
    case "dependency": {
      const verb = d.milestone ? "is reached" : tiesFinish(d.type) ? "finishes" : "starts";
      const theirs = readsPredecessorFinish(d.type) ? "finishes" : "starts";
      const via = d.viaParentKey !== undefined ? ` (a link to its summary ${d.viaParentKey})` : "";
      return `${verb} ${d.date} because ${d.predecessorKey} ${theirs} ${d.predecessorDate}, ${formatLink(d.type, d.lag)}${via}`;
    }
    case "parentStartDate":
      return `starts ${d.date}, the start date of its summary ${d.parentKey}${d.planned === d.date ? "" : ` (${d.planned} is not a working day)`}`;
    case "subtasks":
      return `spans its subtasks: starts ${d.start} with ${d.firstKey}, finishes ${d.finish} with ${d.lastKey}`;
    case "startDate":
      return `starts ${d.date}, its start date${d.planned === d.date ? "" : ` (${d.planned} is not a working day)`}`;
    case "dueDate":
      return `finishes ${d.date}, its due date${d.planned === d.date ? "" : ` (${d.planned} is not a working day)`}`;
    case "milestoneDate":
      return `is reached ${d.date}, its date${d.planned === d.date ? "" : ` (${d.planned} is not a working day)`}`;
    case "projectStart":
      return `${d.milestone ? "is reached" : "starts"} ${d.date} with the project: no predecessor or date of its own sets it`;
  }
}

function chinese(d: DriverText): string {
  const offDay = (planned: string, date: string) => (planned === date ? "" : `（${planned} 不是工作日）`);
  switch (d.kind) {
    case "dependency": {
      const verb = d.milestone ? "达成" : tiesFinish(d.type) ? "完成" : "开始";
      const theirs = readsPredecessorFinish(d.type) ? "完成" : "开始";
      const via = d.viaParentKey !== undefined ? `，来自其汇总任务 ${d.viaParentKey} 的依赖` : "";
      return `${d.date} ${verb}，因为 ${d.predecessorKey} 于 ${d.predecessorDate} ${theirs}（${formatLink(d.type, d.lag)}${via}）`;
    }
    case "parentStartDate":
      return `${d.date} 开始：汇总任务 ${d.parentKey} 的计划开始日期${offDay(d.planned, d.date)}`;
    case "subtasks":
      return `汇总子任务：${d.start} 随 ${d.firstKey} 开始，${d.finish} 随 ${d.lastKey} 完成`;
    case "startDate":
      return `${d.date} 开始：计划开始日期${offDay(d.planned, d.date)}`;
    case "dueDate":
      return `${d.date} 完成：截止日期${offDay(d.planned, d.date)}`;
    case "milestoneDate":
      return `${d.date} 达成：里程碑日期${offDay(d.planned, d.date)}`;
    case "projectStart":
      return `${d.date} ${d.milestone ? "达成" : "开始"}：随项目开始，没有前置任务或自身日期约束`;
  }
}
