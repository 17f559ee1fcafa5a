import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { InvalidInputError, validateInput } from '../common/dto/validation';
import { invalidFields } from './admin-errors';

/**
 * The admin API's input check (validateInput, as the console and the CLI use it): unknown fields
 * are refused, not dropped, and the 400 names each bad field. Applied per controller: the OAuth
 * endpoints answer RFC 6749 errors.
 */
@Injectable()
export class AdminValidationPipe implements PipeTransform {
  async transform(value: unknown, { metatype, ...metadata }: ArgumentMetadata): Promise<unknown> {
    if (!metatype) return value;
    try {
      return await validateInput(metatype, value, metadata);
    } catch (err) {
      if (err instanceof InvalidInputError) throw invalidFields(err.fields);
      throw err;
    }
  }
}
