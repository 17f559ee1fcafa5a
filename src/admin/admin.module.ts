import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { ClientsModule } from '../clients/clients.module';
import { TokensModule } from '../tokens/tokens.module';

@Module({ imports: [UsersModule, ClientsModule, TokensModule] })
export class AdminModule {}
