import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { ErrorDto } from './dto/error.dto';

/** An admin route: needs `Authorization: Bearer <ADMIN_API_KEY>`, and Swagger says so. */
export function AdminRoute(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseGuards(AdminApiKeyGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing or wrong admin API key', type: ErrorDto }),
  );
}
