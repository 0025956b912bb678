import { DynamicModule, Module } from '@nestjs/common';
import { DeadLettersController } from './dead-letters.controller';
import { DEAD_LETTERS_OPTIONS, DeadLetters, DeadLettersOptions } from './dead-letters.service';

/**
 * The dead-letter tools and their ops-only HTTP API. `EventBus` and `MetricsService` come from the
 * app's global platform modules; `JwtAuthGuard` from `AuthModule`.
 */
@Module({})
export class DeadLettersModule {
  static forRoot(options: DeadLettersOptions): DynamicModule {
    return {
      module: DeadLettersModule,
      controllers: [DeadLettersController],
      providers: [{ provide: DEAD_LETTERS_OPTIONS, useValue: options }, DeadLetters],
      exports: [DeadLetters],
    };
  }
}
