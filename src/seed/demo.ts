import type { BuiltApp } from "../app.js";
import { orgsRepo } from "../modules/orgs/repository.js";

// Demo data goes through the public HTTP API (in-process), so it exercises the
// same validation, permissions, audit and events as a real client would.

const PASSWORD = "plinth-demo-2026";
const DEMO_SLUG = "demo";

const people = [
  { key: "owner", email: "zhang.wei@demo.plinth.local", name: "张伟", role: "owner" },
  { key: "admin", email: "li.na@demo.plinth.local", name: "李娜", role: "admin" },
  { key: "fang", email: "wang.fang@demo.plinth.local", name: "王芳", role: "member" },
  { key: "yang", email: "liu.yang@demo.plinth.local", name: "刘洋", role: "member" },
  { key: "emma", email: "emma.wilson@demo.plinth.local", name: "Emma Wilson", role: "member" },
  { key: "james", email: "james.chen@demo.plinth.local", name: "James Chen", role: "guest" },
] as const;

type PersonKey = (typeof people)[number]["key"];

const projects = [
  {
    key: "WEB",
    name: "官网改版 Website revamp",
    description: "新版官网：信息架构、视觉设计与内容迁移。",
    tasks: [
      ["设计首页视觉稿", "high", "fang", "in_progress", ["design"]],
      ["Write the product copy for the landing page", "medium", "emma", "todo", ["content"]],
      ["梳理信息架构与导航", "high", "fang", "done", ["design"]],
      ["Migrate the blog to the new CMS", "low", "yang", "todo", ["content", "backend"]],
      ["性能优化：首屏加载小于 1 秒", "urgent", "yang", "in_review", ["frontend"]],
      ["Accessibility audit (WCAG 2.2 AA)", "medium", "emma", "todo", ["qa"]],
      ["多语言切换（中文 / English）", "medium", "yang", "in_progress", ["frontend", "i18n"]],
      ["上线前安全评审", "high", "admin", "todo", ["security"]],
    ],
  },
  {
    key: "APP",
    name: "移动端 Mobile app",
    description: "iOS / Android 客户端第一版。",
    tasks: [
      ["登录与注册流程", "high", "yang", "done", ["auth"]],
      ["Push notifications for approvals", "high", "emma", "in_progress", ["notifications"]],
      ["任务列表离线缓存", "medium", "yang", "todo", ["offline"]],
      ["Dark mode", "low", "fang", "todo", ["design"]],
      ["审批详情页设计", "medium", "fang", "in_review", ["design", "approvals"]],
      ["Crash reporting and analytics", "medium", "emma", "todo", ["ops"]],
    ],
  },
  {
    key: "OPS",
    name: "运维 Operations",
    description: "基础设施、备份与监控。",
    tasks: [
      ["配置 PostgreSQL 流复制", "high", "admin", "in_progress", ["database"]],
      ["Set up Prometheus alerts", "medium", "yang", "todo", ["monitoring"]],
      ["每日备份与恢复演练", "urgent", "admin", "todo", ["backup"]],
      ["Rotate TLS certificates", "low", "yang", "done", ["security"]],
    ],
  },
] as const;

export async function seedDemo(built: BuiltApp): Promise<string> {
  const { app, services } = built;
  if (await orgsRepo.slugExists(built.platform.db, DEMO_SLUG)) {
    return `demo data already present (organization "${DEMO_SLUG}"); nothing done`;
  }
  const request = async (method: "GET" | "POST" | "PUT" | "PATCH", url: string, token: string | null, body?: unknown) => {
    const res = await app.inject({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(body === undefined ? {} : { payload: body as object }) });
    if (res.statusCode >= 300) throw new Error(`seed: ${method} ${url} -> ${res.statusCode} ${res.body}`);
    return res.json<Record<string, unknown>>();
  };

  const ownerSpec = people[0];
  await services.auth.createAccount({ email: ownerSpec.email, name: ownerSpec.name, password: PASSWORD }, { instanceAdmin: false });
  const ownerLogin = await request("POST", "/api/v1/auth/login", null, { email: ownerSpec.email, password: PASSWORD });
  const tokens: Partial<Record<PersonKey, string>> = { owner: ownerLogin.token as string };
  const ids: Partial<Record<PersonKey, string>> = { owner: (ownerLogin.user as { id: string }).id };
  const org = await request("POST", "/api/v1/orgs", tokens.owner!, { name: "星河科技 Galaxy Tech", slug: DEMO_SLUG });
  const orgId = org.id as string;

  for (const person of people.slice(1)) {
    const inv = await request("POST", `/api/v1/orgs/${orgId}/invitations`, tokens.owner!, { email: person.email, role: person.role });
    const existing = await app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email: person.email, password: PASSWORD } });
    if (existing.statusCode === 200) {
      const body = existing.json<{ token: string; user: { id: string } }>();
      await request("POST", "/api/v1/invitations/accept", body.token, { token: inv.token });
      tokens[person.key] = body.token;
      ids[person.key] = body.user.id;
    } else {
      const signed = await request("POST", "/api/v1/auth/signup", null, { email: person.email, name: person.name, password: PASSWORD, invitationToken: inv.token });
      tokens[person.key] = signed.token as string;
      ids[person.key] = (signed.user as { id: string }).id;
    }
  }
  const dept = await request("POST", `/api/v1/orgs/${orgId}/departments`, tokens.owner!, { name: "研发中心 R&D", headId: ids.admin });
  for (const key of ["fang", "yang", "emma"] as const) {
    await request("PATCH", `/api/v1/orgs/${orgId}/members/${ids[key]!}`, tokens.owner!, { managerId: ids.admin, departmentId: dept.id });
  }

  const today = new Date();
  const day = (offset: number) => new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  let taskCount = 0;
  for (const [pi, spec] of projects.entries()) {
    const project = await request("POST", `/api/v1/orgs/${orgId}/projects`, tokens.owner!, { key: spec.key, name: spec.name, description: spec.description });
    const projectId = project.id as string;
    await request("PUT", `/api/v1/projects/${projectId}/members/${ids.james!}`, tokens.owner!, { role: "viewer" });
    let first: string | undefined;
    for (const [ti, [title, priority, who, status, labels]] of spec.tasks.entries()) {
      const task = await request("POST", `/api/v1/projects/${projectId}/tasks`, tokens.owner!, {
        title,
        priority,
        assigneeId: ids[who],
        status,
        labels,
        startDate: day(ti - 3 + pi),
        dueDate: day(ti * 2 + pi - 2),
        estimateHours: 4 + ((ti * 5 + pi) % 13),
      });
      taskCount++;
      first ??= task.id as string;
      if (ti % 3 === 0) {
        const mention = people.find((p) => p.key === who)!;
        await request("POST", `/api/v1/tasks/${task.id as string}/comments`, tokens.owner!, {
          body: `@"${mention.name}" 请本周内跟进，有问题随时沟通。 Please follow up this week.`,
        });
      }
    }
    for (const sub of ["拆分子任务：调研 Research", "拆分子任务：评审 Review"]) {
      await request("POST", `/api/v1/projects/${projectId}/tasks`, tokens.owner!, { title: sub, parentId: first, assigneeId: ids.fang, estimateHours: 3 });
      taskCount++;
    }
  }

  return [
    `demo organization "星河科技 Galaxy Tech" (slug ${DEMO_SLUG}): ${people.length} users, ${projects.length} projects, ${taskCount} tasks`,
    `sign in as any of: ${people.map((p) => p.email).join(", ")}`,
    `password for every demo account: ${PASSWORD}`,
  ].join("\n");
}
