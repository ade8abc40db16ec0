import { Counter, type Registry } from "prom-client";

export type AttemptMetric = "success" | "retry" | "failed" | "blocked";

// Created unregistered, so every app (tests build many) has its own; registerOn()
// attaches it to the app's registry for /metrics.
export class WebhookMetrics {
  readonly deliveries = new Counter({
    name: "plinth_webhook_deliveries_total",
    help: "Webhook delivery attempts by result: success, retry (failed, will retry), failed (gave up), blocked (refused address)",
    labelNames: ["result"] as const,
    registers: [],
  });

  registerOn(registry: Registry): void {
    if (!registry.getSingleMetric("plinth_webhook_deliveries_total")) registry.registerMetric(this.deliveries);
  }

  attempt(result: AttemptMetric): void {
    this.deliveries.inc({ result });
  }
}
