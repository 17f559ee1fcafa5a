import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { DeviceCodesModule } from '../device-codes/device-codes.module';
import { ThrottleModule } from '../throttle/throttle.module';
import { UsersModule } from '../users/users.module';
import { WebModule } from '../web/web.module';
import { DeviceController } from './device.controller';

/** The device grant's verification page (/device, RFC 8628 §3.3). */
@Module({
  imports: [WebModule, DeviceCodesModule, ClientsModule, UsersModule, ThrottleModule],
  controllers: [DeviceController],
})
export class DeviceModule {}
