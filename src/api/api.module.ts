import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { BearerTokenGuard } from './bearer-token.guard';
import { ProfileController } from './profile.controller';

@Module({
  imports: [TokensModule],
  controllers: [ProfileController],
  providers: [BearerTokenGuard],
})
export class ApiModule {}
