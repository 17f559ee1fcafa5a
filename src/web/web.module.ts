import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module';
import { ThrottleModule } from '../throttle/throttle.module';
import { UsersModule } from '../users/users.module';
import { ClientsModule } from '../clients/clients.module';
import { AssetsController } from './assets.controller';
import { CsrfGuard } from './csrf.guard';
import { DeviceCookie } from './device-cookie';
import { LoginController } from './login.controller';
import { SessionService } from './session.service';

/** The browser layer: the sign-in session, CSRF, the page layout and stylesheet, /login and /logout. */
@Module({
  imports: [UsersModule, SessionsModule, ThrottleModule, ClientsModule],
  controllers: [LoginController, AssetsController],
  providers: [SessionService, CsrfGuard, DeviceCookie],
  exports: [SessionService, CsrfGuard],
})
export class WebModule {}
