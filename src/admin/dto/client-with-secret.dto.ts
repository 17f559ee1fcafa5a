import { ApiPropertyOptional } from '@nestjs/swagger';
import { Client } from '../../clients/client.entity';
import { ClientDto } from './client.dto';

/** A client with its secret in the clear: answered once, on creation or rotation, never stored. */
export class ClientWithSecretDto extends ClientDto {
  @ApiPropertyOptional({
    description: 'The client secret, shown only in this response (only its SHA-256 digest is stored). Absent for public clients ("none").',
    example: 'x9Qm4B0bq4bq1sXo2yJ7s1ZsUeYVnq3R8cI8ZKpW9bE',
  })
  client_secret?: string;

  static withSecret(client: Client, secret: string | null): ClientWithSecretDto {
    const { client_id, ...rest } = ClientDto.from(client);
    // RFC 7591 §3.2.1 order: client_id, client_secret, then the rest.
    return secret ? { client_id, client_secret: secret, ...rest } : { client_id, ...rest };
  }
}
