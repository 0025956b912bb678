import { ArgumentMetadata, BadRequestException, PipeTransform } from '@nestjs/common';
import { describeZodError } from '@shopnest/contracts';
import { z } from 'zod';

/**
 * Validates (and strips or coerces, as the schema says) a request part with a zod schema; a
 * failure is a 400 `{ code: 'INVALID', message }` whose message names every bad field.
 *
 * @example
 * create(@Body(new ZodValidationPipe(createOrderBodySchema)) body: CreateOrderBody)
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<S> {
    // A request without a JSON body arrives as undefined; validating {} names the missing fields.
    const input = metadata.type === 'body' && value === undefined ? {} : value;
    const result = this.schema.safeParse(input);
    if (!result.success) {
      throw new BadRequestException({ code: 'INVALID', message: describeZodError(result.error) });
    }
    return result.data;
  }
}
