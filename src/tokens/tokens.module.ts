import { Module } from '@nestjs/common';
import { AuthorizationCodesModule } from '../authorization-codes/authorization-codes.module';
import { TokensRepository } from './tokens.repository';
import { TokensService } from './tokens.service';

@Module({
  imports: [AuthorizationCodesModule],
  providers: [TokensRepository, TokensService],
  exports: [TokensService],
})
export class TokensModule {}
