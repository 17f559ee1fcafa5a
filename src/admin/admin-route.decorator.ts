import { applyDecorators, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { AdminExceptionFilter } from './admin-exception.filter';
import { AdminValidationPipe } from './admin-validation.pipe';
import { ErrorDto } from './dto/error.dto';

/**
 * An admin route: needs `Authorization: Bearer <ADMIN_API_KEY>` (and Swagger says so, with the 401,
 * the 429 an address gets after too many wrong keys, and the 503 of a database outage), validates
 * its input with the admin pipe, and answers the services' refusals in the admin API's shapes.
 */
export function AdminRoute(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(AdminApiKeyGuard),
    UsePipes(AdminValidationPipe),
    UseFilters(AdminExceptionFilter),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing or wrong admin API key', type: ErrorDto }),
    ApiTooManyRequestsResponse({
      description: 'Too many missing or wrong admin API keys from this address (THROTTLE_IP_FAILURES): refused, even with the right key, until Retry-After',
      type: ErrorDto,
      headers: { 'Retry-After': { description: 'Seconds until this address may try again', schema: { type: 'integer' } } },
    }),
    ApiServiceUnavailableResponse({
      description: 'The database is unreachable',
      type: ErrorDto,
      headers: { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } } },
    }),
  );
}

/** An admin route that takes a JSON body: Swagger lists the parsers' refusals, a body over their limit and one of another type. */
export function AdminBody(): MethodDecorator {
  return applyDecorators(
    ApiPayloadTooLargeResponse({ description: 'The body is over the size limit (64 KiB)', type: ErrorDto }),
    ApiUnsupportedMediaTypeResponse({ description: 'The body is neither application/json nor application/x-www-form-urlencoded', type: ErrorDto }),
  );
}
