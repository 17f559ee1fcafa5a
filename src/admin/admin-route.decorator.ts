import { applyDecorators, UseFilters, UseGuards, UsePipes } from '@nestjs/common';
import { ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { AdminExceptionFilter } from './admin-exception.filter';
import { AdminValidationPipe } from './admin-validation.pipe';
import { ErrorDto } from './dto/error.dto';

/**
 * An admin route: needs `Authorization: Bearer <ADMIN_API_KEY>` (and Swagger says so), validates
 * its input with the admin pipe, and answers the services' refusals in the admin API's shapes.
 */
export function AdminRoute(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(AdminApiKeyGuard),
    UsePipes(AdminValidationPipe),
    UseFilters(AdminExceptionFilter),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing or wrong admin API key', type: ErrorDto }),
  );
}
