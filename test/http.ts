import type { TestApp } from "./app.js";

export interface Res<T = any> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | number | undefined>;
}

/** Sends one request through the full Fastify pipeline (routing, hooks, schemas, serialization). */
export async function call<T = any>(
  t: TestApp,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  url: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string>; ip?: string } = {},
): Promise<Res<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await t.app.inject({
    method,
    url,
    headers,
    ...(opts.ip ? { remoteAddress: opts.ip } : {}),
    ...(opts.body === undefined ? {} : { payload: opts.body as object }),
  });
  const text = res.body;
  let body: unknown = text;
  if (text && /json/.test(String(res.headers["content-type"] ?? ""))) body = JSON.parse(text);
  return { status: res.statusCode, body: body as T, headers: res.headers };
}
