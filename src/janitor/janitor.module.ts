import { Global, Module } from '@nestjs/common';
import { JanitorService } from './janitor.service';

@Global()
@Module({ providers: [JanitorService], exports: [JanitorService] })
export class JanitorModule {}
