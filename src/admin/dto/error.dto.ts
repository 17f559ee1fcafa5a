import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Every admin error except a validation failure. */
export class ErrorDto {
  @ApiProperty({ description: 'HTTP status code', example: 404 })
  statusCode: number;

  @ApiProperty({ description: 'HTTP reason phrase', example: 'Not Found' })
  error: string;

  @ApiProperty({ description: 'What went wrong', example: 'user 42 not found' })
  message: string;

  @ApiPropertyOptional({
    description: 'On 409, the field in conflict',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { username: 'is already taken' },
  })
  fields?: Record<string, string>;
}

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
