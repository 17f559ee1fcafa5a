import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { KeysModule } from '../keys/keys.module';
import { DpopModule } from '../dpop/dpop.module';
import { BearerTokenGuard } from './bearer-token.guard';
import { ProfileController } from './profile.controller';

@Module({
  imports: [TokensModule, KeysModule, DpopModule],
  controllers: [ProfileController],
  providers: [BearerTokenGuard],
  exports: [BearerTokenGuard],
})
export class ApiModule {}
