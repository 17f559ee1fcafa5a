import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { OAuthError } from '../grants/oauth-error';
import { ResourceServer } from './resource-server.entity';
import { ResourceServersRepository } from './resource-servers.repository';
import { requestedResources, resourceIdentifierProblem } from './resource-indicators';
import { AuditService } from '../audit/audit.service';
import { SCOPES_SUPPORTED } from '../common/oauth-types';

/** The built-in resource, `/api/profile`, relative to the issuer. */
export const PROFILE_RESOURCE_PATH = '/api/profile';
/** The scopes the built-in resource accepts. */
export const PROFILE_RESOURCE_SCOPES = ['profile', 'email'];

/** A bad identifier or scope of a new resource server, by field. */
export class ResourceServerError extends Error {
  constructor(readonly fields: Record<string, string>) {
    super(Object.entries(fields).map(([f, m]) => `${f}: ${m}`).join('; '));
  }
}

/** A resource server as the API lists it: the built-in one has no row (id null). */
export interface ResourceServerView {
  id: number | null;
  identifier: string;
  scopes: string[];
  createdAt: number | null;
  builtIn: boolean;
}

/**
 * Resource servers (RFC 8707): the operator's, and the built-in `{ISSUER}/api/profile`. The one
 * place the `resource` parameter of the authorization and token requests is checked.
 */
@Injectable()
export class ResourceServersService {
  constructor(
    private readonly resources: ResourceServersRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  get profileResource(): ResourceServerView {
    return { id: null, identifier: `${this.config.issuer}${PROFILE_RESOURCE_PATH}`, scopes: PROFILE_RESOURCE_SCOPES, createdAt: null, builtIn: true };
  }

  /**
   * RFC 8707 §2: the resources a request named, each an absolute URI without a fragment that names
   * a registered resource server; null when it named none. Anything else is invalid_target.
   */
  async resolve(raw: string | undefined): Promise<string[] | null> {
    const requested = requestedResources(raw);
    if (requested === null) return null;
    const others = requested.filter((r) => r !== this.profileResource.identifier);
    const known = new Set((await this.resources.findRegistered(others)).map((r) => r.identifier));
    if (others.some((r) => !known.has(r))) throw OAuthError.invalidTarget('resource is not a resource server known to this authorization server');
    return requested;
  }

  /** Throws ResourceServerError naming each bad field, null when the identifier is taken. */
  async create(identifier: string, scopes: string[], ip?: string | null): Promise<ResourceServerView | null> {
    const errors: Record<string, string> = {};
    const problem = resourceIdentifierProblem(identifier);
    if (problem) errors.identifier = problem;
    // A token only ever carries scopes this server knows: a resource advertising others would send clients to invalid_scope.
    const badScope = scopes.find((s) => !SCOPES_SUPPORTED.includes(s));
    if (badScope !== undefined) errors.scopes = `unknown scope "${badScope.slice(0, 64)}" (supported: ${SCOPES_SUPPORTED.join(' ')})`;
    if (Object.keys(errors).length) throw new ResourceServerError(errors);
    if (identifier === this.profileResource.identifier) return null;
    const row = await this.resources.insert({ identifier, scopes: [...new Set(scopes)].join(' '), createdAt: this.clock.now() });
    if (row) this.audit.record({ type: 'resource.created', ip, detail: { identifier: identifier.slice(0, 200) } });
    return row && view(row);
  }

  /** The built-in resource first, then the operator's, oldest first. */
  async list(limit: number, offset: number): Promise<[ResourceServerView[], number]> {
    const [rows, total] = await this.resources.list(offset === 0 ? limit - 1 : limit, offset === 0 ? 0 : offset - 1);
    const views = rows.map(view);
    return [offset === 0 ? [this.profileResource, ...views] : views, total + 1];
  }

  async delete(id: number, ip?: string | null): Promise<boolean> {
    const deleted = await this.resources.delete(id);
    if (deleted) this.audit.record({ type: 'resource.deleted', ip, detail: { id } });
    return deleted;
  }

  /** The scopes a resource server accepts (RFC 9728 scopes_supported), or null for an unknown one. */
  async scopesOf(identifier: string): Promise<string[] | null> {
    if (identifier === this.profileResource.identifier) return PROFILE_RESOURCE_SCOPES;
    const row = await this.resources.findByIdentifier(identifier);
    return row ? row.scopes.split(' ').filter(Boolean) : null;
  }
}

function view(row: ResourceServer): ResourceServerView {
  return { id: row.id, identifier: row.identifier, scopes: row.scopes.split(' ').filter(Boolean), createdAt: row.createdAt, builtIn: false };
}
