import { collectDefaultMetrics, Counter, Registry } from "prom-client";

/** Prometheus metrics of one server, served at GET /metrics. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "solvent_" });
  const counter = (name: string, help: string) => new Counter({ name, help, labelNames: ["sink"], registers: [registry] });
  return {
    registry,
    events: {
      delivered: counter("solvent_events_delivered_total", "Events delivered, per sink"),
      failures: counter("solvent_event_delivery_failures_total", "Failed event deliveries (each attempt), per sink"),
      deadLettered: counter("solvent_events_dead_lettered_total", "Events given up on after their last attempt, per sink"),
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
export type EventMetrics = Metrics["events"];
