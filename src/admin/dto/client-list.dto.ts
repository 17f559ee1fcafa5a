import { ApiProperty } from '@nestjs/swagger';
import { ClientDto } from './client.dto';

export class ClientListDto {
  @ApiProperty({ type: [ClientDto] })
  data: ClientDto[];

  @ApiProperty({ description: 'Clients in all pages', example: 1 })
  total: number;
}
