import { Injectable, ValidationPipe } from '@nestjs/common';
import { invalidFields, validationFields } from './admin-errors';

/**
 * The admin API's ValidationPipe: unknown fields are refused, not dropped, and the 400 names each
 * bad field (see invalidFields). Applied per controller: the OAuth endpoints answer RFC 6749 errors.
 */
@Injectable()
export class AdminValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      // One reason per field. class-validator checks a property's decorators bottom-up, so the DTOs
      // put the type check last: a number sent as username reports "must be a string".
      stopAtFirstError: true,
      exceptionFactory: (errors) => invalidFields(validationFields(errors)),
    });
  }
}
