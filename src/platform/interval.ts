import type { Logger } from "./logger.js";

/**
 * Runs `tick` every `intervalMs` without overlapping runs (a slow tick makes the
 * next one skip). Errors are logged, never thrown. Returns a stop function that
 * waits for a running tick, for graceful shutdown.
 */
export function startInterval(name: string, intervalMs: number, log: Logger, tick: () => Promise<unknown>): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const run = () => {
    if (running) return;
    running = tick()
      .catch((err: unknown) => log.error({ err }, `${name} tick failed`))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
