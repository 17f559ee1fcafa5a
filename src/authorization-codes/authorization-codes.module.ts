import { Module } from '@nestjs/common';
import { AuthorizationCodesRepository } from './authorization-codes.repository';
import { AuthorizationCodesService } from './authorization-codes.service';

@Module({
  providers: [AuthorizationCodesRepository, AuthorizationCodesService],
  exports: [AuthorizationCodesService],
})
export class AuthorizationCodesModule {}
