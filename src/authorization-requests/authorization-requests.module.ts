import { Module } from '@nestjs/common';
import { PendingRequestsRepository } from './pending-requests.repository';
import { PendingRequestsService } from './pending-requests.service';

/** Authorization requests waiting on the consent page (`oauth2_pending_request`). */
@Module({
  providers: [PendingRequestsRepository, PendingRequestsService],
  exports: [PendingRequestsService],
})
export class AuthorizationRequestsModule {}
