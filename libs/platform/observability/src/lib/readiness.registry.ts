import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';

/** Resolves when the dependency answers; rejects (with a reason) when it does not. */
export type ReadinessProbe = () => Promise<void>;

/**
 * Adapters register a probe for each dependency they hold (Kafka, Redis, ...); `/health/ready`
 * runs them all. Once shutdown begins the service reports not-ready, so a load balancer stops
 * sending new work before connections are closed.
 */
@Injectable()
export class ReadinessRegistry implements BeforeApplicationShutdown {
  private readonly probes = new Map<string, ReadinessProbe>();
  private draining = false;

  register(name: string, probe: ReadinessProbe): void {
    this.probes.set(name, probe);
  }

  get isDraining(): boolean {
    return this.draining;
  }

  entries(): [string, ReadinessProbe][] {
    return [...this.probes.entries()];
  }

  beforeApplicationShutdown(): void {
    this.draining = true;
  }
}
