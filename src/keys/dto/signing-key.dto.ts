import { ApiProperty } from '@nestjs/swagger';
import { SIGNING_ALGS, SigningAlg } from '../signing-key.entity';
import { KeySummary } from '../signing-keys.service';

const STATES = ['pending', 'active', 'retired', 'expired'] as const;

/** A signing key as the admin API shows it: never its private material. */
export class SigningKeyDto {
  @ApiProperty({ description: 'Key id (RFC 7638 thumbprint), the `kid` in JWT headers and the JWKS' })
  kid: string;

  @ApiProperty({ enum: SIGNING_ALGS })
  alg: SigningAlg;

  @ApiProperty({
    enum: STATES,
    description: 'pending: published, signs from activates_at. active: signs. retired: published until expires_at. expired: gone from the JWKS',
  })
  state: (typeof STATES)[number];

  @ApiProperty({ description: 'Epoch seconds' })
  created_at: number;

  @ApiProperty({ description: 'Epoch seconds: signs from then on' })
  activates_at: number;

  @ApiProperty({ description: 'Epoch seconds: signs no more from then on', type: Number, nullable: true })
  retired_at: number | null;

  @ApiProperty({ description: 'Epoch seconds: leaves the JWKS then', type: Number, nullable: true })
  expires_at: number | null;

  static from(k: KeySummary): SigningKeyDto {
    return Object.assign(new SigningKeyDto(), k);
  }
}

export class SigningKeyListDto {
  @ApiProperty({ type: [SigningKeyDto] })
  data: SigningKeyDto[];

  @ApiProperty({ description: 'Keys listed', example: 2 })
  total: number;
}
