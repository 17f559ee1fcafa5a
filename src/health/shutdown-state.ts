import { Injectable } from '@nestjs/common';

/** Set once SIGTERM arrives: readiness answers 503 from then on so the load balancer stops sending. */
@Injectable()
export class ShutdownState {
  private since: number | null = null;

  get shuttingDown(): boolean {
    return this.since !== null;
  }

  begin(): void {
    this.since ??= Date.now();
  }
}
