import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from '../config/app-config';
import { AppLogger } from './app-logger';
import { createRootLogger } from './logger';

/** Provides the process's pino logger (AppLogger). createApp passes the one Fastify writes through. */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(logger?: Logger): DynamicModule {
    return {
      module: LoggingModule,
      providers: [{ provide: AppLogger, inject: [AppConfig], useFactory: (config: AppConfig) => new AppLogger(logger ?? createRootLogger(config)) }],
      exports: [AppLogger],
    };
  }
}
