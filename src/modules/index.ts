import type { Config } from "../config.js";
import type { App } from "../http/types.js";
import type { Platform } from "../platform/index.js";
import { registerAuthRoutes } from "./auth/routes.js";
import { AuthService } from "./auth/service.js";
import { registerOrgRoutes } from "./orgs/routes.js";
import { OrgsService } from "./orgs/service.js";
import { registerProjectRoutes } from "./projects/routes.js";
import { ProjectsService } from "./projects/service.js";

/** Wires feature services to each other; each gets only what it uses. */
export function createServices(p: Platform) {
  const orgs = new OrgsService(p);
  const auth = new AuthService(p, orgs);
  const projects = new ProjectsService(p, orgs);
  return { orgs, auth, projects };
}

export type Services = ReturnType<typeof createServices>;

export function registerModuleRoutes(app: App, s: Services, config: Config): void {
  registerAuthRoutes(app, s.auth, config);
  registerOrgRoutes(app, s.orgs, s.auth);
  registerProjectRoutes(app, s.projects);
}
