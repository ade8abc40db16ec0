import { Type } from "typebox";
import { listOf, Nullable, Timestamp } from "../../http/schemas.js";

export const Backup = Type.Object(
  {
    name: Type.String({ description: "Folder name in PLINTH_BACKUP_DIR: plinth-backup-YYYYMMDDTHHMMSSZ" }),
    status: Type.Union([Type.Literal("running"), Type.Literal("complete"), Type.Literal("failed"), Type.Literal("damaged")]),
    mode: Type.Union([Type.Literal("postgres"), Type.Literal("embedded")]),
    trigger: Nullable(Type.Union([Type.Literal("cli"), Type.Literal("api"), Type.Literal("schedule")])),
    createdAt: Timestamp,
    sizeBytes: Nullable(Type.Integer()),
    tables: Nullable(Type.Integer()),
    rows: Nullable(Type.Integer()),
    schemaVersion: Nullable(Type.String({ description: "Newest migration in the backup" })),
    error: Nullable(Type.String()),
  },
  { description: "One backup folder, or the attempt running now / the last one that failed" },
);

export const BackupList = listOf(Backup);
