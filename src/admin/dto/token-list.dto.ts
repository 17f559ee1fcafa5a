import { ApiProperty } from '@nestjs/swagger';
import { TokenDto } from './token.dto';

export class TokenListDto {
  @ApiProperty({ type: [TokenDto] })
  data: TokenDto[];

  @ApiProperty({ description: 'Tokens in all pages', example: 1 })
  total: number;
}
