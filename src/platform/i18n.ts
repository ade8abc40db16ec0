import type { ErrorCode } from "./errors.js";

export type Locale = "en" | "zh-CN";

/** Picks zh-CN or en from an Accept-Language header (first supported wins). */
export function pickLocale(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return "en";
  for (const part of acceptLanguage.split(",")) {
    const tag = part.split(";")[0]?.trim().toLowerCase() ?? "";
    if (tag.startsWith("zh")) return "zh-CN";
    if (tag.startsWith("en")) return "en";
  }
  return "en";
}

const titles: Record<ErrorCode, [en: string, zh: string]> = {
  validation_failed: ["Invalid input", "输入无效"],
  bad_request: ["Bad request", "请求无效"],
  unauthenticated: ["Not authenticated", "未登录"],
  invalid_credentials: ["Wrong email or password", "邮箱或密码错误"],
  forbidden: ["Not allowed", "无权操作"],
  csrf_failed: ["Missing CSRF header", "缺少 CSRF 请求头"],
  not_found: ["Not found", "未找到"],
  email_taken: ["Email already registered", "该邮箱已注册"],
  project_key_taken: ["Project key already used", "项目标识已被使用"],
  org_slug_taken: ["Organization slug already used", "组织标识已被使用"],
  conflict: ["Conflict", "状态冲突"],
  transition_not_allowed: ["Transition not allowed", "不允许该状态流转"],
  approval_pending: ["An approval is already pending", "已有审批在进行中"],
  approval_required: ["This transition needs an approval", "该状态流转需要审批"],
  idempotency_in_flight: ["Same request still in progress", "相同请求正在处理中"],
  idempotency_applied: ["Request applied, but its answer was lost", "请求已执行，但结果未能返回"],
  task_already_decided: ["Task already decided", "该审批任务已处理"],
  approval_not_running: ["The approval is not in progress", "该审批已不在进行中"],
  flow_key_taken: ["Approval flow key already used", "审批流程标识已被使用"],
  flow_archived: ["Approval flow archived", "审批流程已归档"],
  dependency_exists: ["These tasks are already linked", "这两个任务之间已有依赖关系"],
  invitation_required: ["An invitation is required", "需要邀请才能注册"],
  version_conflict: ["Version conflict", "版本冲突，请刷新后重试"],
  payload_too_large: ["Request too large", "请求内容过大"],
  unsupported_media_type: ["Unsupported media type", "不支持的内容类型"],
  unprocessable: ["Cannot process", "无法处理该请求"],
  idempotency_key_reused: ["Idempotency key reused with a different body", "幂等键已用于不同的请求"],
  dependency_cycle: ["Dependency cycle", "依赖形成循环"],
  daily_hours_exceeded: ["More than 24 hours logged on one day", "单日登记工时超过 24 小时"],
  invalid_parent: ["Invalid parent task", "父任务无效"],
  invalid_assignee: ["The assignee cannot see this project", "负责人无权访问该项目"],
  invalid_workflow: ["Invalid workflow", "工作流无效"],
  invalid_flow: ["Invalid approval flow", "审批流程定义无效"],
  subject_unresolved: ["Approval subject not found", "无法确定审批对象"],
  unknown_status: ["Unknown status", "未知状态"],
  not_org_member: ["User is not a member of the organization", "该用户不是组织成员"],
  webhook_url_refused: ["Webhook URL not allowed", "不允许使用该 Webhook 地址"],
  upgrade_required: ["WebSocket upgrade required", "需要升级为 WebSocket 连接"],
  rate_limited: ["Too many requests", "请求过于频繁"],
  service_unavailable: ["Service unavailable", "服务暂不可用"],
  internal_error: ["Internal error", "服务器内部错误"],
};

export function errorTitle(code: ErrorCode, locale: Locale): string {
  const t = titles[code];
  return locale === "zh-CN" ? t[1] : t[0];
}
