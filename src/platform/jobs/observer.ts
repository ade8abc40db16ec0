/** What a queue reports for metrics; kept apart so queues do not depend on prom-client. */
export interface JobObserver {
  completed(name: string): void;
  failed(name: string): void;
}

export const noObserver: JobObserver = { completed: () => undefined, failed: () => undefined };
