import { Module } from '@nestjs/common';
import { DatabaseThrottleStore } from './database-throttle.store';
import { ThrottleService } from './throttle.service';

/** Brute-force counters for sign-in, the password grant, client authentication and sign-up. */
@Module({
  providers: [DatabaseThrottleStore, ThrottleService],
  exports: [ThrottleService],
})
export class ThrottleModule {}
