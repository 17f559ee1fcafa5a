import { BadRequestException, ConflictException } from '@nestjs/common';

/**
 * The one 400 of the admin API, for DTO validation and ClientMetadataError alike:
 * `{ statusCode, error, message: ["field: reason", …], fields: { field: reason } }`.
 */
export function invalidFields(fields: Record<string, string>): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    message: Object.entries(fields).map(([field, reason]) => `${field}: ${reason}`),
    fields,
  });
}

export function usernameTaken(): ConflictException {
  return new ConflictException({ statusCode: 409, error: 'Conflict', message: 'username is already taken', fields: { username: 'is already taken' } });
}
