import { Type } from "typebox";
import { ListQuery, Nullable, Timestamp, Uuid, listOf } from "../../http/schemas.js";
import { EMAIL_MODES, NOTIFICATION_TYPES } from "./types.js";

const TypeSchema = Type.Enum(NOTIFICATION_TYPES, { description: "What the notification is about" });
const EmailModeSchema = Type.Enum(EMAIL_MODES, {
  description: "immediate: one e-mail per notification; digest: one e-mail a day with the unread ones; off: no e-mail",
});

export const Notification = Type.Object({
  id: Uuid,
  type: TypeSchema,
  title: Type.String({ description: "In the reader's language (Accept-Language, else the user's locale)" }),
  body: Type.String(),
  link: Type.String({ description: "Path under the server's public URL, e.g. /tasks/ENG-12" }),
  readAt: Nullable(Timestamp),
  createdAt: Timestamp,
});
export const NotificationList = listOf(Notification);

export const NotificationQuery = Type.Object(
  { unread: Type.Optional(Type.Boolean({ description: "Only unread notifications" })), ...ListQuery },
  { additionalProperties: false },
);

export const UnreadCount = Type.Object({ count: Type.Integer({ minimum: 0 }) });

export const MarkReadBody = Type.Object(
  {
    ids: Type.Optional(Type.Array(Uuid, { minItems: 1, maxItems: 500, description: "Notifications to mark read (others' ids are ignored)" })),
    all: Type.Optional(Type.Literal(true, { description: "Mark every notification read" })),
  },
  { additionalProperties: false, description: "Either `ids` or `all: true`" },
);

const TypePreference = Type.Object({ type: TypeSchema, inApp: Type.Boolean(), email: Type.Boolean() });

export const Preferences = Type.Object({
  emailMode: EmailModeSchema,
  emailAvailable: Type.Boolean({ description: "False when the server has no SMTP settings: nothing is e-mailed" }),
  types: Type.Array(TypePreference, { description: "Channels per notification type" }),
});

export const PreferencesBody = Type.Object(
  {
    emailMode: Type.Optional(EmailModeSchema),
    types: Type.Optional(
      Type.Array(
        Type.Object({ type: TypeSchema, inApp: Type.Optional(Type.Boolean()), email: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        { maxItems: 50, description: "Types not listed keep their setting" },
      ),
    ),
  },
  { additionalProperties: false },
);

export const Watcher = Type.Object({
  userId: Uuid,
  name: Type.String(),
  reasons: Type.Array(Type.Union([Type.Literal("reporter"), Type.Literal("assignee"), Type.Literal("mentioned"), Type.Literal("explicit")])),
});
export const WatcherList = listOf(Watcher);
