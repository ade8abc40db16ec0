import type { RelayedEvent } from "../../../platform/events/types.js";
import { PING_EVENT } from "../filters.js";
import type { WebhookLocale } from "../repository.js";

// What an IM robot shows for an event, independent of the vendor: a heading,
// the object's title, a few labelled fields, an optional quote and a link back
// to Plinth. Each vendor renderer turns this into its own card or markdown.

export type Tone = "info" | "success" | "warning" | "danger";

export interface Card {
  heading: string;
  title: string;
  fields: { label: string; value: string }[];
  quote?: string;
  link: string;
  linkText: string;
  tone: Tone;
}

/** Names and titles the event itself does not carry, looked up before rendering. */
export interface CardContext {
  users: ReadonlyMap<string, string>;
  taskTitle?: string;
  approvalTitle?: string;
}

const copy = {
  taskCreated: ["New task", "新建任务"],
  taskAssigned: ["Task assigned", "任务已指派"],
  taskUnassigned: ["Task unassigned", "任务已取消指派"],
  taskStatus: ["Task status changed", "任务状态变更"],
  taskUpdated: ["Task updated", "任务已更新"],
  taskDeleted: ["Task deleted", "任务已删除"],
  comment: ["New comment", "新评论"],
  approvalStarted: ["Approval started", "发起审批"],
  approvalUpdated: ["Approval updated", "审批有更新"],
  approvalAssigned: ["Approval waiting for a decision", "有待处理的审批"],
  approvalFinished: ["Approval finished", "审批已结束"],
  approvalApproved: ["Approval approved", "审批已通过"],
  approvalRejected: ["Approval rejected", "审批已驳回"],
  approvalWithdrawn: ["Approval withdrawn", "审批已撤回"],
  approvalReturned: ["Approval returned for changes", "审批已退回修改"],
  ping: ["Webhook test", "Webhook 测试"],
  pingTitle: ["Plinth can reach this webhook", "Plinth 已成功连接此 Webhook"],
  event: ["Event", "事件"],
  by: ["By", "操作人"],
  createdBy: ["Created by", "创建人"],
  assignee: ["Assignee", "负责人"],
  approvers: ["Approvers", "审批人"],
  initiator: ["Initiator", "发起人"],
  status: ["Status", "状态"],
  priority: ["Priority", "优先级"],
  due: ["Due", "截止日期"],
  changed: ["Changed", "变更内容"],
  nobody: ["Nobody", "无"],
  open: ["Open in Plinth", "在 Plinth 中查看"],
} as const satisfies Record<string, readonly [string, string]>;

type CopyKey = keyof typeof copy;

const APPROVAL_OUTCOME: Record<string, CopyKey> = {
  approved: "approvalApproved",
  rejected: "approvalRejected",
  withdrawn: "approvalWithdrawn",
  returned: "approvalReturned",
};

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const record = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Renders the card of an event in the webhook's language, with links under `publicUrl`. */
export function cardFor(event: RelayedEvent, ctx: CardContext, locale: WebhookLocale, publicUrl: string): Card {
  const say = (key: CopyKey) => copy[key][locale === "en" ? 0 : 1];
  const name = (id: unknown) => (typeof id === "string" ? (ctx.users.get(id) ?? id.slice(0, 8)) : say("nobody"));
  const data = event.data;
  const by = event.actorId ? [{ label: say("by"), value: name(event.actorId) }] : [];
  const base = { link: publicUrl, linkText: say("open"), tone: "info" as Tone };
  const taskLink = (key: string | undefined) => (key ? `${publicUrl}/tasks/${encodeURIComponent(key)}` : publicUrl);
  const approvalId = str(data.approvalId) ?? (event.type.startsWith("approval.") ? str(data.id) : undefined);
  const approvalLink = approvalId ? `${publicUrl}/approvals/${approvalId}` : publicUrl;

  switch (event.type) {
    case PING_EVENT: {
      return { ...base, heading: say("ping"), title: say("pingTitle"), fields: by, tone: "success" };
    }
    case "task.created": {
      const key = str(data.key);
      const fields = [{ label: say("createdBy"), value: name(event.actorId) }, { label: say("status"), value: str(data.status) ?? "" }];
      if (data.assigneeId) fields.push({ label: say("assignee"), value: name(data.assigneeId) });
      if (str(data.priority)) fields.push({ label: say("priority"), value: str(data.priority)! });
      if (str(data.dueDate)) fields.push({ label: say("due"), value: str(data.dueDate)! });
      return { ...base, heading: say("taskCreated"), title: taskTitle(key, str(data.title)), fields, link: taskLink(key) };
    }
    case "task.updated": {
      const key = str(data.key);
      const changes = record(data.changes);
      const title = taskTitle(key, str(record(changes.title).to) ?? ctx.taskTitle);
      const link = taskLink(key);
      if ("assigneeId" in changes) {
        const to = record(changes.assigneeId).to;
        const heading = say(to ? "taskAssigned" : "taskUnassigned");
        return { ...base, heading, title, link, fields: [{ label: say("assignee"), value: name(to) }, ...by] };
      }
      if ("status" in changes) {
        const s = record(changes.status);
        return { ...base, heading: say("taskStatus"), title, link, fields: [{ label: say("status"), value: `${str(s.from) ?? "-"} → ${str(s.to) ?? "-"}` }, ...by] };
      }
      return { ...base, heading: say("taskUpdated"), title, link, fields: [{ label: say("changed"), value: Object.keys(changes).join(", ") || "-" }, ...by] };
    }
    case "task.deleted":
      return { ...base, heading: say("taskDeleted"), title: taskTitle(str(data.key), ctx.taskTitle), fields: by, tone: "warning" };
    case "comment.created": {
      const key = str(data.taskKey);
      const body = str(data.body) ?? "";
      return {
        ...base,
        heading: say("comment"),
        title: taskTitle(key, str(data.taskTitle)),
        fields: [{ label: say("by"), value: name(data.authorId ?? event.actorId) }],
        quote: body.length > 500 ? `${body.slice(0, 500)}…` : body,
        link: taskLink(key),
      };
    }
    case "approval.created":
      return { ...base, heading: say("approvalStarted"), title: str(data.title) ?? ctx.approvalTitle ?? "", fields: [{ label: say("initiator"), value: name(event.actorId) }], link: approvalLink };
    case "approval.task.assigned": {
      const approvers = Array.isArray(data.tasks) ? data.tasks.map((t) => name(record(t).assigneeId)) : [];
      return { ...base, heading: say("approvalAssigned"), title: ctx.approvalTitle ?? "", fields: [{ label: say("approvers"), value: approvers.join(", ") || say("nobody") }], link: approvalLink, tone: "warning" };
    }
    case "approval.finished":
    case "approval.returned": {
      const outcome = APPROVAL_OUTCOME[str(data.status) ?? ""];
      const tone: Tone = data.status === "approved" ? "success" : data.status === "rejected" ? "danger" : "warning";
      const fields = [{ label: say("initiator"), value: name(data.initiatorId) }, ...by];
      return { ...base, heading: say(outcome ?? "approvalFinished"), title: ctx.approvalTitle ?? "", fields, link: approvalLink, tone };
    }
    case "approval.updated":
      return { ...base, heading: say("approvalUpdated"), title: str(data.title) ?? ctx.approvalTitle ?? "", fields: [{ label: say("status"), value: str(data.status) ?? "-" }, ...by], link: approvalLink };
    default:
      return { ...base, heading: `${say("event")}: ${event.type}`, title: str(data.title) ?? str(data.name) ?? str(data.key) ?? event.type, fields: by };
  }
}

function taskTitle(key: string | undefined, title: string | undefined): string {
  return [key, title].filter(Boolean).join(" ");
}

/** User ids an event names, whose display names a card shows. */
export function userIdsOf(event: RelayedEvent): string[] {
  const d = event.data;
  const ids = [event.actorId, d.assigneeId, d.authorId, d.initiatorId, record(record(d.changes).assigneeId).to];
  if (Array.isArray(d.tasks)) for (const t of d.tasks) ids.push(record(t).assigneeId);
  return [...new Set(ids.filter((id): id is string => typeof id === "string"))];
}
