import { parseAddress, refusal, type AllowList } from "../../platform/addresses.js";
import { DomainError, invalid } from "../../platform/errors.js";

export const ALLOW_HINT = "an operator can allow it with PLINTH_WEBHOOK_ALLOW_HOSTS";

const refused = (message: string): DomainError => new DomainError("webhook_url_refused", message, { errors: [{ path: "body.url", message }] });

/** Why a URL whose host is a literal address may not be reached (no DNS lookup happens for it), or undefined. */
export function literalAddressRefusal(url: URL, allow: AllowList): string | undefined {
  if (!parseAddress(url.hostname)) return undefined;
  const why = refusal(allow, url.hostname, url.hostname.replace(/^\[|\]$/g, ""));
  return why && `${why}; ${ALLOW_HINT}`;
}

/**
 * Checks a webhook URL when it is saved and returns it normalized. Literal addresses are
 * judged here; hostnames are judged at every delivery, after DNS resolution.
 */
export function checkTargetUrl(raw: string, allow: AllowList): string {
  const text = raw.trim();
  if (!URL.canParse(text)) throw invalid("body.url", "must be an absolute http or https URL");
  const url = new URL(text);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw refused(`Only http and https URLs can receive webhooks, not ${url.protocol}`);
  if (url.username || url.password) throw invalid("body.url", "must not contain a user name or password; deliveries are authenticated by the secret");
  if (!url.hostname) throw invalid("body.url", "must name a host");
  const why = literalAddressRefusal(url, allow);
  if (why) throw refused(`Webhooks may not reach this server's own network: ${why}`);
  url.hash = "";
  return url.href;
}
