import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One Prometheus registry per service, labelled with the service name, with Node's default
 * metrics (event-loop lag, heap, GC). Modules create their own metrics through it so every
 * name carries the `shopnest_` prefix.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'shopnest_' });
  }

  counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
    return new Counter({ name: `shopnest_${name}`, help, labelNames, registers: [this.registry] });
  }

  gauge(name: string, help: string, labelNames: string[] = []): Gauge<string> {
    return new Gauge({ name: `shopnest_${name}`, help, labelNames, registers: [this.registry] });
  }

  histogram(name: string, help: string, buckets: number[], labelNames: string[] = []): Histogram<string> {
    return new Histogram({ name: `shopnest_${name}`, help, buckets, labelNames, registers: [this.registry] });
  }

  /**
   * The current values of a counter or gauge registered here, summed by one label (all series
   * under `''` without one); empty when nothing registered `name`. For reports built from the same
   * numbers `/metrics` shows.
   *
   * @example
   * await metrics.read('edge_connections_by_transport', 'transport') // { websocket: 12, polling: 3 }
   * (await metrics.read('consumer_lag'))[''] // every partition's lag, summed
   */
  async read(name: string, byLabel?: string): Promise<Record<string, number>> {
    const metric = this.registry.getSingleMetric(`shopnest_${name}`);
    if (!metric) return {};
    const sums: Record<string, number> = {};
    for (const { value, labels } of (await metric.get()).values) {
      const key = byLabel ? String(labels[byLabel] ?? '') : '';
      sums[key] = (sums[key] ?? 0) + value;
    }
    return sums;
  }
}
