import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AppConfig } from '../config/app-config';
import { PROFILE_RESOURCE_PATH, ResourceServersService } from './resource-servers.service';

/**
 * Protected resource metadata (RFC 9728 §3) of the built-in resource, `/api/profile`: how a client
 * that met a 401 there finds this authorization server and the scopes to ask for.
 */
@ApiExcludeController()
@Controller('.well-known/oauth-protected-resource')
export class ProtectedResourceMetadataController {
  constructor(
    private readonly config: AppConfig,
    private readonly resources: ResourceServersService,
  ) {}

  @Get(PROFILE_RESOURCE_PATH.slice(1))
  @Header('Cache-Control', 'public, max-age=300')
  profile(): Record<string, unknown> {
    const resource = this.resources.profileResource;
    return {
      // §3.3: the resource identifier must equal the URL the metadata was requested for, less the well-known part.
      resource: resource.identifier,
      authorization_servers: [this.config.issuer],
      scopes_supported: resource.scopes,
      bearer_methods_supported: ['header'],
      resource_name: 'Gatehouse profile API',
    };
  }
}
