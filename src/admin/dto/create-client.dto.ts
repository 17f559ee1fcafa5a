import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { ClientMetadataDto } from './client-metadata.dto';

/** POST /admin/clients: RFC 7591 client metadata; only client_name is required. */
export class CreateClientDto extends ClientMetadataDto {
  @ApiProperty({ description: 'Name shown on the consent page', example: 'Example App', maxLength: 200 })
  @MaxLength(200)
  @IsString()
  declare client_name: string;
}
