import { pino, type Logger as PinoLogger } from "pino";

export type Logger = PinoLogger;

/** JSON lines on stdout, ready for Loki or ELK. Secrets never reach the log. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "plinth" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: ["req.headers.authorization", "req.headers.cookie", "*.password", "*.token"],
  });
}
