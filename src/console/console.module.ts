import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { ConsentsModule } from '../consents/consents.module';
import { UsersModule } from '../users/users.module';
import { ThrottleModule } from '../throttle/throttle.module';
import { WebModule } from '../web/web.module';
import { ConsoleController } from './console.controller';
import { SignupController } from './signup.controller';

/** The pages for developers and account holders: /console (clients, authorized apps) and /signup. */
@Module({
  imports: [WebModule, UsersModule, ClientsModule, ConsentsModule, ThrottleModule],
  controllers: [ConsoleController, SignupController],
})
export class ConsoleModule {}
