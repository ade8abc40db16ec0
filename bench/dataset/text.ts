import type { Rng } from "./random.js";

// Titles, descriptions and comments that look like a real tracker's: short
// imperative titles, about 40% Chinese, some mixed (中文 + product names),
// so text search exercises both the CJK and the Latin tokenizer paths.

const EN_VERBS = ["Fix", "Add", "Update", "Remove", "Refactor", "Investigate", "Document", "Migrate", "Improve", "Review", "Design", "Test"];
const EN_OBJECTS = [
  "login timeout", "invoice export", "search ranking", "dashboard chart", "payment webhook", "mobile layout",
  "onboarding email", "API rate limit", "CSV import", "dark mode", "audit report", "user avatar upload",
  "session expiry", "billing page", "release notes", "database backup", "SSO configuration", "error tracking",
  "push notifications", "calendar sync", "access control", "order history", "price calculation", "cache warmup",
];
const EN_TAILS = ["", "", "", " on Safari", " for enterprise plan", " in staging", " (regression)", " before release", " for Q3", " in admin console"];

const ZH_VERBS = ["修复", "新增", "优化", "重构", "调研", "完善", "迁移", "排查", "设计", "测试", "评审", "上线"];
const ZH_OBJECTS = [
  "登录超时问题", "发票导出功能", "搜索结果排序", "仪表盘图表", "支付回调", "移动端布局", "新用户引导邮件", "接口限流",
  "数据导入", "审批流程配置", "权限管理", "订单历史页面", "价格计算逻辑", "缓存预热", "报表统计", "消息推送",
  "日历同步", "单点登录", "数据库备份", "客户反馈处理", "合同归档", "采购申请", "报销审批", "项目周报",
];
const ZH_TAILS = ["", "", "", "（紧急）", "，影响部分用户", "，需要产品确认", "（第二阶段）", "，下周上线前完成", "，兼容旧版本"];
const MIXED = ["iOS 端", "Android 端", "Web 端", "API", "Redis", "PostgreSQL", "钉钉", "飞书", "企业微信", "SSO"];

export function taskTitle(r: Rng): string {
  const roll = r.next();
  if (roll < 0.5) return `${r.pick(EN_VERBS)} ${r.pick(EN_OBJECTS)}${r.pick(EN_TAILS)}`;
  if (roll < 0.85) return `${r.pick(ZH_VERBS)}${r.pick(ZH_OBJECTS)}${r.pick(ZH_TAILS)}`;
  return `${r.pick(MIXED)} ${r.pick(ZH_VERBS)}${r.pick(ZH_OBJECTS)}`;
}

const EN_SENTENCES = [
  "Steps to reproduce are in the linked ticket.",
  "Customers on the enterprise plan reported this twice this week.",
  "We should keep backwards compatibility with the v1 API.",
  "Acceptance criteria: works on desktop and mobile, covered by tests.",
  "Blocked until the design review is done.",
  "See the dashboard for the error rate since the last release.",
];
const ZH_SENTENCES = [
  "复现步骤见关联工单。",
  "本周企业版客户反馈了两次。",
  "需要保持与旧版接口的兼容。",
  "验收标准：桌面端和移动端均可用，并有自动化测试覆盖。",
  "等待设计评审通过后再开始。",
  "上线后请关注错误率监控。",
];

/** Most tasks have a short description; some have none, a few are long. */
export function taskDescription(r: Rng, chinese: boolean): string {
  const roll = r.next();
  if (roll < 0.3) return "";
  const pool = chinese ? ZH_SENTENCES : EN_SENTENCES;
  const n = roll < 0.9 ? r.int(1, 3) : r.int(6, 12);
  return Array.from({ length: n }, () => r.pick(pool)).join(chinese ? "" : " ");
}

const EN_COMMENTS = [
  "Looks good to me.", "I can take this one.", "Pushed a fix, please review.", "Can we move this to next sprint?",
  "Tested on staging, works.", "Still failing on my machine.", "Added screenshots.", "Waiting for feedback from the customer.",
  "Done, closing after QA.", "This depends on the API change.",
];
const ZH_COMMENTS = [
  "我来跟进。", "已提交修复，请帮忙评审。", "测试环境验证通过。", "这个需求下个迭代再做吧？", "本地还是复现不了。",
  "已补充截图。", "等客户确认后再处理。", "已完成，等待测试验收。", "依赖接口改动，先挂起。", "辛苦了，没问题。",
];

/** A comment body; with a mention target, it starts with @name (quoted when it has a space) like a real reply. */
export function commentBody(r: Rng, chinese: boolean, mention?: string): string {
  const text = chinese ? r.pick(ZH_COMMENTS) : r.pick(EN_COMMENTS);
  if (!mention) return text;
  return `${/\s/.test(mention) ? `@"${mention}"` : `@${mention}`} ${text}`;
}

export const LABELS = ["bug", "feature", "frontend", "backend", "design", "docs", "客户反馈", "性能", "安全", "技术债", "infra", "测试"] as const;

export function taskLabels(r: Rng): string[] {
  const n = r.weighted([[0, 30], [1, 45], [2, 20], [3, 5]] as const);
  const set = new Set<string>();
  while (set.size < n) set.add(r.pick(LABELS));
  return [...set];
}

const GIVEN_EN = ["Alice", "Bob", "Carol", "David", "Emma", "Frank", "Grace", "Henry", "Ivy", "Jack", "Kate", "Leo", "Mia", "Noah", "Olivia", "Paul"];
const FAMILY_EN = ["Smith", "Chen", "Garcia", "Wang", "Brown", "Li", "Miller", "Zhang", "Davis", "Liu", "Wilson", "Yang"];
const FAMILY_ZH = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"];
const GIVEN_ZH = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "建华", "晓东"];

/** A display name; about 60% Chinese, as in a team in China working with overseas colleagues. */
export function personName(r: Rng): string {
  return r.chance(0.6) ? `${r.pick(FAMILY_ZH)}${r.pick(GIVEN_ZH)}` : `${r.pick(GIVEN_EN)} ${r.pick(FAMILY_EN)}`;
}

const PROJECT_BASES = [
  ["ENG", "Engineering", "研发平台"], ["WEB", "Website", "官网改版"], ["APP", "Mobile app", "移动应用"], ["OPS", "Operations", "运维保障"],
  ["DATA", "Data platform", "数据平台"], ["MKT", "Marketing", "市场活动"], ["HR", "People", "人事行政"], ["FIN", "Finance", "财务系统"],
  ["CRM", "Customer success", "客户成功"], ["QA", "Quality", "质量保障"], ["SEC", "Security", "安全合规"], ["PAY", "Payments", "支付中心"],
] as const;

/** Project key (unique within an org) and a name in either language. */
export function projectIdentity(r: Rng, index: number): { key: string; name: string } {
  const base = PROJECT_BASES[index % PROJECT_BASES.length]!;
  const round = Math.floor(index / PROJECT_BASES.length);
  const key = round === 0 ? base[0] : `${base[0]}${round + 1}`;
  const name = r.chance(0.5) ? base[2] : base[1];
  return { key, name: round === 0 ? name : `${name} ${round + 1}` };
}

/** Words users type into the task search box: both scripts, common and rare. */
export const SEARCH_TERMS = ["登录", "导出", "支付", "审批流程", "报表", "移动端", "invoice", "dashboard", "login", "cache", "webhook", "SSO"] as const;
