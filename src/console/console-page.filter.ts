import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { OAuthError } from '../grants/oauth-error';
import { messageView } from './views/message.view';
import { DatabaseUnavailableError } from '../database/database-unavailable.error';
import { waitText } from '../web/views/wait-text';

const TITLES: Record<number, string> = { 400: 'Bad request', 403: 'Forbidden', 404: 'Not found', 409: 'Conflict', 503: 'Temporarily unavailable' };

/** The console's and sign-up's errors as HTML pages with their own status (404 stays 404). */
@Catch()
export class ConsolePageFilter implements ExceptionFilter {
  private readonly logger = new Logger('Console');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let status: number = HttpStatus.INTERNAL_SERVER_ERROR;
    let message = 'Something went wrong on our side. Please try again.';
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      status = exception.getStatus();
      message = exception.message;
    } else if (exception instanceof DatabaseUnavailableError) {
      // Logged once per outage by the database, not per page.
      status = HttpStatus.SERVICE_UNAVAILABLE;
      message = `The service is temporarily unavailable. Please try again in ${waitText(exception.retryAfter)}.`;
      reply.header('Retry-After', String(exception.retryAfter));
    } else if (exception instanceof OAuthError && exception.status < 500) {
      // A malformed form (e.g. a repeated field) rejected by the shared form helpers.
      status = HttpStatus.BAD_REQUEST;
      message = exception.description ?? exception.code;
    } else {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    }
    reply
      .status(status)
      .header('Cache-Control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(messageView(TITLES[status] ?? 'Error', message));
  }
}
