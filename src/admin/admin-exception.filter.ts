import { ArgumentsHost, Catch, ConflictException, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ClientMetadataError } from '../clients/client-metadata';
import { PublicClientHasNoSecretError } from '../clients/clients.service';
import { UsernameTakenError } from '../users/users.service';
import { invalidFields, usernameTaken } from './admin-errors';

type DomainError = ClientMetadataError | UsernameTakenError | PublicClientHasNoSecretError;

/** Domain refusals from the services, answered in the admin API's shapes (400 with fields, 409). */
@Catch(ClientMetadataError, UsernameTakenError, PublicClientHasNoSecretError)
export class AdminExceptionFilter implements ExceptionFilter {
  catch(error: DomainError, host: ArgumentsHost): void {
    const http: HttpException =
      error instanceof ClientMetadataError ? invalidFields(error.fields) : error instanceof UsernameTakenError ? usernameTaken() : new ConflictException(error.message);
    host.switchToHttp().getResponse<FastifyReply>().status(http.getStatus()).send(http.getResponse());
  }
}
