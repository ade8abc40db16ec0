import type { Locale } from "../../platform/i18n.js";
import type { NotificationParams, NotificationType } from "./types.js";

// Titles and bodies in both languages, rendered when read (in-app, e-mail) from the
// params stored with the notification, so each reader sees their own language.

export interface Rendered {
  title: string;
  body: string;
}

type Renderer = (p: NotificationParams) => Rendered;

const EXCERPT_CHARS = 200;

/** A comment's first characters on one line, for a notification body. */
export function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  const chars = Array.from(flat);
  return chars.length <= EXCERPT_CHARS ? flat : `${chars.slice(0, EXCERPT_CHARS).join("")}…`;
}

const OUTCOME_ZH: Record<string, string> = { approved: "已通过", rejected: "已驳回", returned: "已退回", withdrawn: "已撤回" };
const OUTCOME_EN: Record<string, string> = { approved: "approved", rejected: "rejected", returned: "returned to you", withdrawn: "withdrawn" };

const zh: Record<NotificationType, Renderer> = {
  "task.assigned": (p) => ({
    title: `${who(p.actorName, "zh-CN")} 把任务 ${p.taskKey}「${p.taskTitle}」分配给了你`,
    body: p.dueDate ? `截止日期：${p.dueDate}` : "未设置截止日期",
  }),
  "task.mentioned": (p) => ({ title: `${who(p.actorName, "zh-CN")} 在 ${p.taskKey}「${p.taskTitle}」的评论中提到了你`, body: p.excerpt ?? "" }),
  "task.commented": (p) => ({ title: `${who(p.actorName, "zh-CN")} 评论了你关注的任务 ${p.taskKey}「${p.taskTitle}」`, body: p.excerpt ?? "" }),
  "task.status_changed": (p) => ({
    title: `${who(p.actorName, "zh-CN")} 把 ${p.taskKey}「${p.taskTitle}」的状态从「${p.from}」改为「${p.to}」`,
    body: "你关注了这个任务。",
  }),
  "task.due_soon": (p) => ({ title: `任务 ${p.taskKey}「${p.taskTitle}」将于 ${p.dueDate} 到期`, body: "请在截止日期前完成，或与负责人商量调整。" }),
  "task.overdue": (p) => ({ title: `任务 ${p.taskKey}「${p.taskTitle}」已逾期（截止日期 ${p.dueDate}）`, body: "请尽快完成，或调整截止日期。" }),
  "approval.assigned": (p) => ({ title: `${who(p.initiatorName, "zh-CN")} 提交的审批「${p.approvalTitle}」等待你审批`, body: "请打开审批，同意或驳回。" }),
  "approval.decided": (p) => ({
    title: `你的审批「${p.approvalTitle}」${OUTCOME_ZH[p.outcome ?? ""] ?? "已结束"}`,
    body: `处理人：${who(p.actorName, "zh-CN")}`,
  }),
  "approval.urged": (p) => ({ title: `${who(p.actorName, "zh-CN")} 催办审批「${p.approvalTitle}」`, body: "请尽快处理。" }),
  "approval.timed_out": (p) =>
    p.outcome
      ? { title: `你的审批「${p.approvalTitle}」超时，已自动${p.outcome === "approved" ? "通过" : "驳回"}`, body: "由审批节点的超时规则触发。" }
      : { title: `审批「${p.approvalTitle}」已超时，请尽快处理`, body: "由审批节点的超时规则触发。" },
  "approval.cc": (p) => ({ title: `${who(p.initiatorName, "zh-CN")} 的审批「${p.approvalTitle}」抄送给你`, body: "仅供知悉，无需处理。" }),
};

const en: Record<NotificationType, Renderer> = {
  "task.assigned": (p) => ({
    title: `${who(p.actorName, "en")} assigned ${p.taskKey} "${p.taskTitle}" to you`,
    body: p.dueDate ? `Due ${p.dueDate}` : "No due date",
  }),
  "task.mentioned": (p) => ({ title: `${who(p.actorName, "en")} mentioned you in a comment on ${p.taskKey} "${p.taskTitle}"`, body: p.excerpt ?? "" }),
  "task.commented": (p) => ({ title: `${who(p.actorName, "en")} commented on ${p.taskKey} "${p.taskTitle}", which you watch`, body: p.excerpt ?? "" }),
  "task.status_changed": (p) => ({
    title: `${who(p.actorName, "en")} moved ${p.taskKey} "${p.taskTitle}" from ${p.from} to ${p.to}`,
    body: "You are watching this task.",
  }),
  "task.due_soon": (p) => ({ title: `${p.taskKey} "${p.taskTitle}" is due on ${p.dueDate}`, body: "Please finish it by the due date, or agree on a new one." }),
  "task.overdue": (p) => ({ title: `${p.taskKey} "${p.taskTitle}" is overdue (due ${p.dueDate})`, body: "Please finish it soon, or move the due date." }),
  "approval.assigned": (p) => ({ title: `"${p.approvalTitle}" from ${who(p.initiatorName, "en")} is waiting for your approval`, body: "Open it to approve or reject." }),
  "approval.decided": (p) => ({
    title: `Your approval request "${p.approvalTitle}" was ${OUTCOME_EN[p.outcome ?? ""] ?? "closed"}`,
    body: `By ${who(p.actorName, "en")}`,
  }),
  "approval.urged": (p) => ({ title: `${who(p.actorName, "en")} is asking you to decide on "${p.approvalTitle}"`, body: "Please decide soon." }),
  "approval.timed_out": (p) =>
    p.outcome
      ? { title: `Your approval request "${p.approvalTitle}" was ${p.outcome === "approved" ? "approved" : "rejected"} automatically after a timeout`, body: "Triggered by the approval step's timeout." }
      : { title: `"${p.approvalTitle}" is overdue: please decide`, body: "Triggered by the approval step's timeout." },
  "approval.cc": (p) => ({ title: `"${p.approvalTitle}" from ${who(p.initiatorName, "en")} was copied to you`, body: "For your information; nothing to do." }),
};

function who(name: string | null | undefined, locale: Locale): string {
  return name ?? (locale === "zh-CN" ? "系统" : "System");
}

export function render(type: NotificationType, params: NotificationParams, locale: Locale): Rendered {
  return (locale === "zh-CN" ? zh : en)[type](params);
}

/** A user's stored locale as a supported one (users.locale defaults to zh-CN). */
export const localeOf = (stored: string | null | undefined): Locale => (stored === "en" ? "en" : "zh-CN");

/** The language Accept-Language asks for, or undefined when it names none we have. */
export function requestedLocale(acceptLanguage: string | undefined): Locale | undefined {
  if (!acceptLanguage) return undefined;
  for (const part of acceptLanguage.split(",")) {
    const tag = part.split(";")[0]?.trim().toLowerCase() ?? "";
    if (tag.startsWith("zh")) return "zh-CN";
    if (tag.startsWith("en")) return "en";
  }
  return undefined;
}
