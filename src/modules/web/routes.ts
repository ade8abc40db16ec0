import type { App } from "../../http/types.js";
import { pickLocale } from "../../platform/i18n.js";

// Until the browser app lands, the root page tells a new user where they are
// and what to do next, in their language.
const copy = {
  en: {
    title: "Plinth is running",
    lead: "Projects, tasks, schedules and approval flows. This server speaks the Plinth HTTP API.",
    steps: [
      "Create the first account (it becomes the instance admin): POST /api/v1/auth/signup",
      "Create an organization: POST /api/v1/orgs, then a project: POST /api/v1/orgs/{orgId}/projects",
      "Add tasks: POST /api/v1/projects/{projectId}/tasks",
      "Demo data: npm run plinth -- seed-demo",
    ],
    docs: "Browse the API reference",
    health: "Health",
  },
  "zh-CN": {
    title: "Plinth 已启动",
    lead: "项目、任务、排期与审批流。本服务提供 Plinth HTTP API。",
    steps: [
      "创建第一个账号（自动成为实例管理员）：POST /api/v1/auth/signup",
      "创建组织：POST /api/v1/orgs，再创建项目：POST /api/v1/orgs/{orgId}/projects",
      "添加任务：POST /api/v1/projects/{projectId}/tasks",
      "示例数据：npm run plinth -- seed-demo",
    ],
    docs: "查看 API 文档",
    health: "健康检查",
  },
} as const;

const escape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function registerWebRoutes(app: App): void {
  app.get(
    "/",
    {
      config: { public: true },
      schema: {
        tags: ["web"],
        summary: "Welcome page (zh-CN or en by Accept-Language)",
        security: [],
        produces: ["text/html"],
        response: { 200: { type: "string", description: "HTML page" } },
      },
    },
    async (req, reply) => {
    const locale = pickLocale(req.headers["accept-language"]);
    const c = copy[locale];
    const html = `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Plinth</title>
<style>body{font:16px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}a{color:#0b5cad}</style></head>
<body><h1>${escape(c.title)}</h1><p>${escape(c.lead)}</p>
<ol>${c.steps.map((s) => `<li><code>${escape(s)}</code></li>`).join("")}</ol>
<p><a href="/docs">${escape(c.docs)}</a> · <a href="/readyz">${escape(c.health)}</a> · <a href="/openapi.json">OpenAPI</a></p>
</body></html>`;
    return reply.type("text/html; charset=utf-8").send(html);
    },
  );
}
