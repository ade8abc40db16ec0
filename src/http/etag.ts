import type { FastifyReply, FastifyRequest } from "fastify";
import { invalid } from "../platform/errors.js";

/** ETag of a versioned resource: its integer version, quoted. */
export function setEtag(reply: FastifyReply, version: number): void {
  void reply.header("etag", `"${version}"`);
}

/** The version named by If-Match (`"3"`, `W/"3"` or `3`), if the header is present. */
export function ifMatchVersion(req: FastifyRequest): number | undefined {
  const raw = req.headers["if-match"];
  if (raw === undefined || raw === "*") return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(raw);
  if (!m) throw invalid("header.if-match", 'must be an ETag like "3"');
  return Number(m[1]);
}
