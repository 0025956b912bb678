import { Body, Controller, DynamicModule, Get, HttpCode, Inject, Module, Post } from '@nestjs/common';
import { INestApplication } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { NestExpressApplication } from '@nestjs/platform-express';
import { ZodValidationPipe } from '@shopnest/platform-http';
import { ObservabilityModule } from '@shopnest/platform-observability';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { WebConsoleConfig } from '../embedded.config';

export const WEB_CONSOLE = 'web-console';
const WEB_CONFIG = Symbol('WEB_CONFIG');

/** The demo users of development sign-in: one per kind of user the console has screens for. */
export const DEMO_USERS = {
  shopper: { userId: 'shopper-demo', roles: ['customer'] },
  courier: { userId: 'courier-demo', roles: ['courier'] },
  agent: { userId: 'agent-demo', roles: ['agent'] },
  ops: { userId: 'ops-demo', roles: ['ops'] },
} as const;

const devTokenBodySchema = z.object({
  persona: z.enum(Object.keys(DEMO_USERS) as [keyof typeof DEMO_USERS, ...(keyof typeof DEMO_USERS)[]]),
  /** Another id for the same role, so two shoppers can try the console side by side. */
  userId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1–64 characters of A–Z a–z 0–9 _ -')
    .optional(),
});

/** What the browser reads before anything else: where the services are, and whether dev sign-in is on. */
@Controller()
class WebConsoleConfigController {
  constructor(@Inject(WEB_CONFIG) private readonly config: WebConsoleConfig) {}

  @Get('config.json')
  clientConfig() {
    return { ...this.config.urls, devTokens: this.config.devTokens !== null };
  }
}

/** Development sign-in: a token for a demo user. Registered only with `DEV_TOKENS=true` (never in production). */
@Controller('dev')
class DevTokenController {
  private readonly jwt = new JwtService();
  constructor(@Inject(WEB_CONFIG) private readonly config: WebConsoleConfig) {}

  @Post('token')
  @HttpCode(200)
  token(@Body(new ZodValidationPipe(devTokenBodySchema)) body: z.output<typeof devTokenBodySchema>) {
    const signing = this.config.devTokens;
    if (!signing) throw new Error('DevTokenController registered without DEV_TOKENS');
    const user = DEMO_USERS[body.persona];
    const userId = body.userId ?? user.userId;
    const ttlSeconds = 8 * 3600;
    const token = this.jwt.sign(
      { sub: userId, roles: [...user.roles] },
      {
        secret: signing.secret,
        expiresIn: ttlSeconds,
        ...(signing.issuer && { issuer: signing.issuer }),
        ...(signing.audience && { audience: signing.audience }),
      },
    );
    return { token, userId, roles: user.roles, expiresInS: ttlSeconds };
  }
}

/**
 * Serves the built web console (apps/web) and the two small endpoints it needs from its own
 * origin: `GET /config.json` and, with `DEV_TOKENS=true` only, `POST /dev/token`.
 */
@Module({})
export class WebConsoleModule {
  static forRoot(config: WebConsoleConfig): DynamicModule {
    return {
      module: WebConsoleModule,
      imports: [ObservabilityModule.forRoot({ service: WEB_CONSOLE, logLevel: config.logLevel })],
      controllers: [WebConsoleConfigController, ...(config.devTokens ? [DevTokenController] : [])],
      providers: [{ provide: WEB_CONFIG, useValue: config }],
    };
  }
}

/** Static files of the built console; without a build, start-up stops saying how to make one. */
export function serveWebConsole(config: WebConsoleConfig) {
  return (app: INestApplication): void => {
    const dir = resolve(config.distDir);
    if (!existsSync(resolve(dir, 'index.html'))) {
      throw new Error(`the web console is not built (no ${dir}/index.html): run npx nx build web, or set WEB_DIST_DIR`);
    }
    (app as NestExpressApplication).useStaticAssets(dir, { index: 'index.html', maxAge: 0 });
  };
}
