import { BadRequestException, ConflictException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

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

/**
 * class-validator errors as `{ field: "reason" }` (nested paths dotted). The reason drops the field
 * name class-validator puts in front, since the key already says it.
 */
export function validationFields(errors: ValidationError[], parent = '', out: Record<string, string> = {}): Record<string, string> {
  for (const error of errors) {
    const path = error.property ? (parent ? `${parent}.${error.property}` : error.property) : parent || 'body';
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      const reason = constraint === 'whitelistValidation' ? 'is not a known field' : message.startsWith(`${error.property} `) ? message.slice(error.property.length + 1) : message;
      out[path] = out[path] ? `${out[path]}; ${reason}` : reason;
    }
    if (error.children?.length) validationFields(error.children, path, out);
  }
  return out;
}
