import type { Config } from "../config.js";
import type { App } from "../http/types.js";
import type { Platform } from "../platform/index.js";
import { registerAdminRoutes } from "./admin/routes.js";
import { AdminJobsService } from "./admin/service.js";
import { registerApprovalRoutes } from "./approvals/routes.js";
import { ApprovalsService } from "./approvals/service.js";
import { registerAuthRoutes } from "./auth/routes.js";
import { registerBackupRoutes } from "./backups/routes.js";
import { BackupsService } from "./backups/service.js";
import { AuthService } from "./auth/service.js";
import { createMailer } from "./notifications/mail/mailer.js";
import { registerNotificationRoutes } from "./notifications/routes.js";
import { NotificationsService } from "./notifications/service.js";
import { registerOrgRoutes } from "./orgs/routes.js";
import { OrgsService } from "./orgs/service.js";
import { createPlanning, registerPlanningRoutes } from "./planning/index.js";
import { registerProjectRoutes } from "./projects/routes.js";
import { RealtimeService } from "./realtime/service.js";
import { ProjectsService } from "./projects/service.js";
import { registerTaskRoutes } from "./tasks/routes.js";
import { registerWebRoutes } from "./web/routes.js";
import { TasksService } from "./tasks/service.js";
import { registerWebhookRoutes } from "./webhooks/routes.js";
import { WebhooksService } from "./webhooks/service.js";

/** Wires feature services to each other; each gets only what it uses. */
export function createServices(p: Platform) {
  const orgs = new OrgsService(p);
  const auth = new AuthService(p, orgs);
  const projects = new ProjectsService(p, orgs);
  const tasks = new TasksService(p, projects);
  const approvals = new ApprovalsService(p, orgs, projects);
  tasks.useApprovals(approvals);
  const planning = createPlanning(p, orgs, projects, tasks);
  const adminJobs = new AdminJobsService(p.jobs);
  const backups = new BackupsService(p);
  const webhooks = new WebhooksService(p, orgs);
  const notifications = new NotificationsService(p, tasks, createMailer(p.config));
  const realtime = new RealtimeService(p, auth, orgs, projects);
  return { orgs, auth, projects, tasks, approvals, planning, adminJobs, backups, webhooks, notifications, realtime };
}

export type Services = ReturnType<typeof createServices>;

export function registerModuleRoutes(app: App, s: Services, config: Config): void {
  registerAuthRoutes(app, s.auth, config);
  registerOrgRoutes(app, s.orgs, s.auth);
  registerProjectRoutes(app, s.projects);
  registerTaskRoutes(app, s.tasks);
  registerWebRoutes(app);
  registerApprovalRoutes(app, s.approvals);
  registerPlanningRoutes(app, s.planning);
  registerAdminRoutes(app, s.adminJobs);
  registerBackupRoutes(app, s.backups);
  registerWebhookRoutes(app, s.webhooks);
  registerNotificationRoutes(app, s.notifications);
}
