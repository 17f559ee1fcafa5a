import { ArgumentMetadata, Type, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

/** Input refused by a DTO's checks: each bad field with its reason (`{ field: "reason" }`). */
export class InvalidInputError extends Error {
  constructor(readonly fields: Record<string, string>) {
    super(Object.entries(fields).map(([field, reason]) => `${field}: ${reason}`).join('; '));
  }
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

/**
 * Unknown fields are refused, not dropped; one reason per field (class-validator checks a
 * property's decorators bottom-up, so the DTOs put the type check last: a number sent as username
 * reports "must be a string").
 */
const pipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  stopAtFirstError: true,
  exceptionFactory: (errors) => new InvalidInputError(validationFields(errors)),
});

/**
 * The one input check, used by the admin API's pipe, the console's forms and the CLI alike:
 * `value` (a body, a query, a path parameter, a form) as an instance of `dto`, or InvalidInputError.
 */
export function validateInput<T>(dto: Type<T>, value: unknown, metadata: Omit<ArgumentMetadata, 'metatype'> = { type: 'body' }): Promise<T> {
  return pipe.transform(value, { ...metadata, metatype: dto });
}
