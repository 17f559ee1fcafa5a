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
