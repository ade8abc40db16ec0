import { actorOf } from "../../http/auth.js";
import { errorResponses } from "../../http/schemas.js";
import type { App } from "../../http/types.js";
import { Backup, BackupList } from "./schemas.js";
import type { BackupsService } from "./service.js";

const tags = ["administration"];

export function registerBackupRoutes(app: App, backups: BackupsService): void {
  app.post(
    "/api/v1/admin/backups",
    {
      schema: {
        tags,
        summary: "Start a backup of this instance in the background (instance admin); 409 while one runs or within a minute of the last",
        response: { 202: Backup, ...errorResponses(403, 409) },
      },
    },
    async (req, reply) => reply.code(202).send(backups.start(actorOf(req))),
  );

  app.get(
    "/api/v1/admin/backups",
    { schema: { tags, summary: "Backups in PLINTH_BACKUP_DIR, newest first, after a running or failed one (instance admin)", response: { 200: BackupList, ...errorResponses(403) } } },
    async (req) => backups.list(actorOf(req)),
  );
}
