import { NOTIFICATION_TYPES, type EmailMode, type NotificationType } from "./types.js";

// Per user: which channels each notification type uses, and how e-mail goes out.
// Everything is on (in-app, immediate e-mail) until the user turns it off.

export type StoredChannels = Record<string, { inApp?: boolean; email?: boolean }>;

export interface TypePreference {
  type: NotificationType;
  inApp: boolean;
  email: boolean;
}

export interface PreferencesDoc {
  emailMode: EmailMode;
  /** False when the server has no SMTP settings: nothing is e-mailed whatever the preferences. */
  emailAvailable: boolean;
  types: TypePreference[];
}

export interface Channels {
  inApp: boolean;
  email: "none" | "immediate" | "digest";
}

export const DEFAULT_EMAIL_MODE: EmailMode = "immediate";

export function preferencesDoc(stored: { email_mode: EmailMode; channels: StoredChannels } | undefined, emailAvailable: boolean): PreferencesDoc {
  const channels = stored?.channels ?? {};
  return {
    emailMode: stored?.email_mode ?? DEFAULT_EMAIL_MODE,
    emailAvailable,
    types: NOTIFICATION_TYPES.map((type) => ({ type, inApp: channels[type]?.inApp ?? true, email: channels[type]?.email ?? true })),
  };
}

/** Where one notification of this type goes for a user with these preferences. */
export function channelsFor(stored: { email_mode: EmailMode | null; channels: StoredChannels | null }, type: NotificationType, emailAvailable: boolean): Channels {
  const c = stored.channels?.[type] ?? {};
  const mode = stored.email_mode ?? DEFAULT_EMAIL_MODE;
  const email = emailAvailable && (c.email ?? true) && mode !== "off" ? mode : "none";
  return { inApp: c.inApp ?? true, email };
}

/** Applies a partial update (types not listed keep their setting) and returns what to store. */
export function mergePreferences(
  current: PreferencesDoc,
  change: { emailMode?: EmailMode; types?: { type: NotificationType; inApp?: boolean; email?: boolean }[] },
): { emailMode: EmailMode; channels: Record<string, { inApp: boolean; email: boolean }> } {
  const channels = Object.fromEntries(current.types.map((t) => [t.type, { inApp: t.inApp, email: t.email }]));
  for (const t of change.types ?? []) {
    const was = channels[t.type]!;
    channels[t.type] = { inApp: t.inApp ?? was.inApp, email: t.email ?? was.email };
  }
  return { emailMode: change.emailMode ?? current.emailMode, channels };
}
