import { Module } from '@nestjs/common';
import { ReplayModule } from '../replay/replay.module';
import { DpopService } from './dpop.service';

/** DPoP proof checks (RFC 9449), shared by the token endpoint and the protected resources. */
@Module({
  imports: [ReplayModule],
  providers: [DpopService],
  exports: [DpopService],
})
export class DpopModule {}
