import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from './config/app-config';
import { Clock } from './common/clock';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { HealthController } from './health/health.controller';
import { AdminModule } from './admin/admin.module';
import { OAuthModule } from './oauth/oauth.module';
import { ApiModule } from './api/api.module';
import { ConsoleModule } from './console/console.module';
import { WebModule } from './web/web.module';
import { RedisModule } from './redis/redis.module';
import { AuditModule } from './audit/audit.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { MetricsHttpModule } from './metrics-http/metrics-http.module';
import { JanitorModule } from './janitor/janitor.module';
import { ShutdownState } from './health/shutdown-state';
import type { Logger } from 'pino';
import { OidcModule } from './oidc/oidc.module';
import { RegistrationModule } from './registration/registration.module';
import { ResourcesModule } from './resources/resources.module';
import { DeviceModule } from './device/device.module';
import { KeysModule } from './keys/keys.module';

@Module({})
export class AppModule {
  /** Without arguments: configuration from the environment. Tests pass their own. */
  static forRoot(config?: AppConfig, clock?: Clock, logger?: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config, clock), LoggingModule.forRoot(logger), DatabaseModule, MetricsModule, MetricsHttpModule, RedisModule, AuditModule, JanitorModule, WebModule, AdminModule, OAuthModule, OidcModule, RegistrationModule, ResourcesModule, DeviceModule, ApiModule, ConsoleModule, KeysModule],
      controllers: [HealthController],
      providers: [ShutdownState],
    };
  }
}
