import { DynamicModule, Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { ReadinessRegistry } from './readiness.registry';

export interface ObservabilityOptions {
  /** Service name: a log field and a metrics label. */
  service: string;
  logLevel: string;
}

const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/** Structured logs (pino), `/metrics`, `/health/live` and `/health/ready` for one service. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(options: ObservabilityOptions): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        LoggerModule.forRoot({
          pinoHttp: {
            level: options.logLevel,
            base: { service: options.service },
            autoLogging: { ignore: (req) => QUIET_PATHS.has(req.url ?? '') },
            // Requests are logged without headers, and a token in the query string is masked,
            // so access tokens never reach the logs.
            serializers: {
              req: (req: { method: string; url: string; id: unknown }) => ({
                id: req.id,
                method: req.method,
                url: req.url.replace(/access_token=[^&]+/, 'access_token=[redacted]'),
              }),
            },
          },
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        ReadinessRegistry,
        { provide: MetricsService, useFactory: () => new MetricsService(options.service) },
      ],
      exports: [ReadinessRegistry, MetricsService],
    };
  }
}
