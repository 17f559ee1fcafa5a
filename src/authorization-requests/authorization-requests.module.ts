import { Module } from '@nestjs/common';
import { PendingRequestsRepository } from './pending-requests.repository';
import { PendingRequestsService } from './pending-requests.service';
import { PushedRequestsService } from './pushed-requests.service';

/** Authorization requests waiting on the consent page (`oauth2_pending_request`) and pushed ones (`oauth2_pushed_request`). */
@Module({
  providers: [PendingRequestsRepository, PendingRequestsService, PushedRequestsService],
  exports: [PendingRequestsService, PushedRequestsService],
})
export class AuthorizationRequestsModule {}
