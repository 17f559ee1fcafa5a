import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ClientMetadataError } from '../clients/client-metadata';
import { UsernameTakenError } from '../users/users.service';
import { invalidFields, usernameTaken } from './admin-errors';

/** Domain refusals from the services, answered in the admin API's shapes (400 with fields, 409). */
@Catch(ClientMetadataError, UsernameTakenError)
export class AdminExceptionFilter implements ExceptionFilter {
  catch(error: ClientMetadataError | UsernameTakenError, host: ArgumentsHost): void {
    const http: HttpException = error instanceof ClientMetadataError ? invalidFields(error.fields) : usernameTaken();
    host.switchToHttp().getResponse<FastifyReply>().status(http.getStatus()).send(http.getResponse());
  }
}
