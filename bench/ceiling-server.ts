import Fastify from "fastify";

// The bare HTTP ceiling: the same Fastify and Node as Plinth, one route, no
// logging, no auth, no database. Whatever it serves on this machine with the
// same driver and connections is the most any Fastify app could.

const app = Fastify({ logger: false });
app.get("/hello", async () => ({ hello: "world" }));

const port = Number(process.env.PORT ?? 0);
await app.listen({ port, host: process.env.HOST ?? "127.0.0.1" });

const stop = () => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
