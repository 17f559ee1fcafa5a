import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { ClientMetadataDto } from './client-metadata.dto';
import { Optional } from './optional.decorator';

/**
 * PATCH /admin/clients/:client_id: the fields given replace the stored ones, the rest stay, and the
 * whole is checked again. An empty string removes an optional URI; [] removes contacts.
 */
export class UpdateClientDto extends ClientMetadataDto {
  @ApiPropertyOptional({ description: 'Name shown on the consent page', example: 'Example App', maxLength: 200 })
  @Optional()
  @MaxLength(200)
  @IsString()
  declare client_name?: string;
}
