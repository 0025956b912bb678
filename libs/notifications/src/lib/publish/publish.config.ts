import { z } from 'zod';
import { parsePublishAllowlist, PublishAllowlist } from './publish-allowlist';

/** What the publish API and the notifications stream need from the app's config. */
export interface PublishConfig {
  /** `PUBLISH_ALLOWLIST`: the channels each service identity may notify. */
  allowlist: PublishAllowlist;
}

/** DI token of {@link PublishConfig}. */
export const PUBLISH_CONFIG = Symbol('PUBLISH_CONFIG');

/**
 * `PUBLISH_ALLOWLIST` (default empty: no service may publish), e.g.
 * `payments=user:*;marketing=user:*,ops:orders`; every bad entry is named at boot.
 */
export const publishEnvSchema = z
  .object({ PUBLISH_ALLOWLIST: z.string().default('') })
  .transform((env, ctx): PublishConfig => {
    const parsed = parsePublishAllowlist(env.PUBLISH_ALLOWLIST);
    if (parsed.ok) return { allowlist: parsed.allowlist };
    for (const error of parsed.errors) ctx.addIssue({ code: 'custom', path: ['PUBLISH_ALLOWLIST'], message: error });
    return z.NEVER;
  });
