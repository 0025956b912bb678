import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  Principal,
  PublishNotification,
  PublishNotificationResponse,
  publishNotificationSchema,
} from '@shopnest/contracts';
import { CurrentPrincipal, JwtAuthGuard, Roles } from '@shopnest/platform-auth';
import { ZodValidationPipe } from '@shopnest/platform-http';
import { NotificationPublisher } from './notification-publisher.service';

/**
 * `POST /notifications` (role `service`): other services notify users or a channel without a
 * Kafka client. 202 with the event id once it is on the topic; see docs/protocol.md, "Publishing notifications".
 */
@Controller('notifications')
@UseGuards(JwtAuthGuard)
@Roles('service')
export class PublishController {
  constructor(private readonly publisher: NotificationPublisher) {}

  @Post()
  @HttpCode(202)
  publish(
    @Body(new ZodValidationPipe(publishNotificationSchema)) body: PublishNotification,
    @CurrentPrincipal() caller: Principal,
  ): Promise<PublishNotificationResponse> {
    return this.publisher.publish(caller.userId, body);
  }
}
