import { ValidateIf } from 'class-validator';

/** Optional, but not nullable: unlike @IsOptional(), `null` still has to pass the other checks. */
export function Optional(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}
