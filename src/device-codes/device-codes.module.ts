import { Module } from '@nestjs/common';
import { DeviceCodesRepository } from './device-codes.repository';
import { DeviceCodesService } from './device-codes.service';

/** Device authorization requests (`oauth2_device_code`, RFC 8628). */
@Module({
  providers: [DeviceCodesRepository, DeviceCodesService],
  exports: [DeviceCodesService],
})
export class DeviceCodesModule {}
