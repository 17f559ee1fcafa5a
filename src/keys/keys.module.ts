import { Module } from '@nestjs/common';
import { SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';

/** The signing keys (generation, encryption at rest, rotation) and the JWTs signed with them. */
@Module({
  providers: [SigningKeysRepository, SigningKeysService],
  exports: [SigningKeysService],
})
export class KeysModule {}
