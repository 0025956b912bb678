import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';

/** Resolves when the dependency answers; rejects (with a reason) when it does not. */
export type ReadinessProbe = () => Promise<void>;

/** Hands work over before the service closes (e.g. moves clients to other replicas); resolves when done. */
export type DrainStep = () => Promise<void>;

/**
 * Adapters register a probe for each dependency they hold (Kafka, Redis, ...); `/health/ready`
 * runs them all. Once shutdown begins the service reports not-ready, so a load balancer stops
 * sending new work before connections are closed.
 */
@Injectable()
export class ReadinessRegistry implements BeforeApplicationShutdown {
  private readonly probes = new Map<string, ReadinessProbe>();
  private readonly drainSteps = new Map<string, DrainStep>();
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

  /** Registers work to run on {@link drain}, after readiness has turned 503. */
  onDrain(name: string, step: DrainStep): void {
    this.drainSteps.set(name, step);
  }

  /**
   * The first phase of a graceful shutdown (`runServices` calls it on SIGTERM, before closing):
   * readiness turns 503 at once, then every drain step runs; resolves when all are done.
   */
  async drain(): Promise<void> {
    this.draining = true;
    await Promise.all([...this.drainSteps.values()].map((step) => step()));
  }

  beforeApplicationShutdown(): void {
    this.draining = true;
  }
}
