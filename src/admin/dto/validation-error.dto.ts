import { ApiProperty } from '@nestjs/swagger';

/** 400: one entry in `fields` for each bad field (request body, query or path parameter). */
export class ValidationErrorDto {
  @ApiProperty({ description: 'Always 400', example: 400 })
  statusCode: number;

  @ApiProperty({ description: 'Always "Bad Request"', example: 'Bad Request' })
  error: string;

  @ApiProperty({
    description: 'One human-readable line per problem, each naming its field',
    type: [String],
    example: ['redirect_uris: "https://app.example.com/cb#x" must not contain a fragment'],
  })
  message: string[];

  @ApiProperty({
    description: 'Each bad field with the reason it was refused',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { redirect_uris: '"https://app.example.com/cb#x" must not contain a fragment' },
  })
  fields: Record<string, string>;
}
