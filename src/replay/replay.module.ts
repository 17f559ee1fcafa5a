import { Module } from '@nestjs/common';
import { ReplayService } from './replay.service';

/** Single-use JWT ids (`oauth2_used_jti`). */
@Module({
  providers: [ReplayService],
  exports: [ReplayService],
})
export class ReplayModule {}
