import 'reflect-metadata';
import { parseArgs, ParseArgsConfig } from 'node:util';
import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ConfigError, loadConfig } from './config/env.validation';
import { loadEnvFile } from './config/load-env-file';
import { DatabaseModule } from './database/database.module';
import { TokensModule } from './tokens/tokens.module';
import { TokensService } from './tokens/tokens.service';
import { UsersModule } from './users/users.module';
import { UsernameTakenError, UsersService } from './users/users.service';
import { ClientsModule } from './clients/clients.module';
import { ClientsService, PublicClientHasNoSecretError } from './clients/clients.service';
import { ClientMetadataError } from './clients/client-metadata';
import { InvalidInputError, validateInput } from './common/dto/validation';
import { IdParamDto, PaginationQueryDto } from './common/dto/page.dto';
import { CreateUserDto, UpdateUserDto, UserDto } from './users/dto/user.dto';
import { ClientDto, ClientWithSecretDto, CreateClientDto } from './clients/dto/client.dto';
import pino from 'pino';
import { LoggingModule } from './logging/logging.module';
import { createRootLogger } from './logging/logger';
import { MetricsModule } from './metrics/metrics.module';
import { AuditModule } from './audit/audit.module';
import { AuditService } from './audit/audit.service';
import { JanitorModule } from './janitor/janitor.module';
import { JanitorService } from './janitor/janitor.service';
import { KeysModule } from './keys/keys.module';
import { SigningKeysService } from './keys/signing-keys.service';
import { SigningKeyDto } from './keys/dto/signing-key.dto';
import { RegistrationModule } from './registration/registration.module';
import { ResourcesModule } from './resources/resources.module';
import { ResourceServerError, ResourceServersService } from './resources/resource-servers.service';
import { CreateResourceServerDto, ResourceServerDto } from './resources/dto/resource-server.dto';
import { RegistrationService } from './registration/registration.service';
import { CreateInitialAccessTokenDto, InitialAccessTokenDto } from './registration/dto/initial-access-token.dto';

const HELP = `Gatehouse operator CLI. Reads .env and the environment like the server (DATABASE_URL, ...),
runs pending migrations, and prints JSON. Secrets are printed once and never stored in the clear.

Usage: npm run cli -- <command> [options] [--] [<id>]

Commands:
  user:create --username <name> [--email <address>]
                the password is asked at the terminal, or read from stdin when it is not one
  user:list [--limit <n>] [--offset <n>]
  user:set-password <id>
                the new password as for user:create; ends the user's sessions and revokes
                their access and refresh tokens
  user:delete <id>
  client:create --name <name> --redirect-uri <uri> [--redirect-uri <uri> ...]
                [--grant-types <a,b>] [--response-types <code,token>] [--scope "<openid profile email>"]
                [--auth-method client_secret_post|client_secret_basic|none|private_key_jwt] [--client-uri <url>]
                [--skip-consent] [--introspection] [--cors-origin <origin> ...]
                [--post-logout-redirect-uri <uri> ...] [--access-token-format opaque|jwt]
                [--id-token-alg RS256|ES256] [--jwks-uri <url> | --jwks '<JWK Set JSON>']
                [--require-par]
  client:rotate-secret <client_id>
  client:vet <client_id>
                the operator has reviewed a client a console user registered (see docs/security.md)
  client:delete <client_id>
  client:list [--limit <n>] [--offset <n>]
  token:revoke <id>
  db:purge      delete expired codes, tokens past their lifetime, revoked tokens past
                PURGE_REVOKED_GRACE, audit events older than AUDIT_RETENTION_DAYS (in batches)
  registration-token:create [--description <text>] [--expires-in <seconds>] [--uses <n>]
                an initial access token for dynamic client registration (REGISTRATION=token)
  resource:create --identifier <uri> [--scope "<profile email>"]
                a resource server clients may ask tokens for (RFC 8707 "resource")
  resource:list [--limit <n>] [--offset <n>]
  resource:delete <id>
  keys:list
  keys:rotate   publish new signing keys; they sign after KEY_ROTATION_OVERLAP seconds
  --help

An id that starts with "-" goes after "--": npm run cli -- client:delete -- -AbC...
Exit status: 0 on success, 1 on bad input or any failure (one line on stderr).`;

/** A refusal for the operator: printed as one line, no stack trace. */
class CliError extends Error {}

/** The services the commands use, without HTTP. */
@Module({})
class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    // Log lines (audit events of the changes made) go to stderr at warn: stdout is the JSON answer.
    const logger = createRootLogger({ logLevel: config.logLevel === 'debug' ? 'debug' : 'warn', logFormat: 'json' }, pino.destination({ dest: 2, sync: true }));
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), LoggingModule.forRoot(logger), DatabaseModule, MetricsModule, AuditModule, JanitorModule, UsersModule, ClientsModule, TokensModule, KeysModule, RegistrationModule, ResourcesModule],
    };
  }
}

/** Option names as the operator typed them, for error lines. */
const OPTION_OF: Record<string, string> = {
  client_name: '--name',
  redirect_uris: '--redirect-uri',
  grant_types: '--grant-types',
  response_types: '--response-types',
  token_endpoint_auth_method: '--auth-method',
  client_uri: '--client-uri',
  skip_consent: '--skip-consent',
  introspection: '--introspection',
  allowed_cors_origins: '--cors-origin',
  post_logout_redirect_uris: '--post-logout-redirect-uri',
  access_token_format: '--access-token-format',
  id_token_signed_response_alg: '--id-token-alg',
  jwks_uri: '--jwks-uri',
  jwks: '--jwks',
  require_pushed_authorization_requests: '--require-par',
  username: '--username',
  password: 'password',
  email: '--email',
  limit: '--limit',
  offset: '--offset',
  scope: '--scope',
  description: '--description',
  expires_in: '--expires-in',
  uses: '--uses',
  identifier: '--identifier',
  scopes: '--scope',
};

function invalid(fields: Record<string, string>): CliError {
  return new CliError(
    Object.entries(fields)
      .map(([field, reason]) => (OPTION_OF[field] ? `${OPTION_OF[field]} (${field}): ${reason}` : `${field}: ${reason}`))
      .join('; '),
  );
}

/** Checks input with the admin API's DTO and validateInput, so every entry point accepts the same things. */
async function checked<T extends object>(dto: new () => T, input: Record<string, unknown>): Promise<T> {
  try {
    return await validateInput(dto, input);
  } catch (err) {
    if (err instanceof InvalidInputError) throw invalid(err.fields);
    throw err;
  }
}

function required(values: Record<string, unknown>, ...names: string[]): void {
  const missing = names.filter((n) => values[n] === undefined);
  if (missing.length) throw new CliError(`missing ${missing.map((n) => `--${n}`).join(', ')} (see --help)`);
}

/**
 * The password, never from argv (it would stay in shell history and show in `ps` and npm's banner):
 * asked twice without echo at a terminal, else the first line of stdin.
 */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await promptHidden('Password: ');
    if ((await promptHidden('Password (again): ')) !== first) throw new CliError('password: the two entries differ');
    return first;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0];
  if (!password) throw new CliError('missing password: type it at the prompt, or pipe it on stdin (see --help)');
  return password;
}

/** One line typed at the terminal without echo (raw mode); Ctrl-C cancels. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          return resolve(value);
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          return reject(new CliError('cancelled'));
        }
        value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch;
      }
    };
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    stdin.on('data', onData);
  });
}

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => s.trim()).filter(Boolean);
}

function int(value: string | undefined): number | string | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : value;
}

/** The `<id>` positional of a command, validated as a row id. */
async function idArgument(id: string | undefined): Promise<number> {
  if (id === undefined) throw new CliError('missing <id> (see --help)');
  return (await checked(IdParamDto, { id: int(id) })).id;
}

type Values = Record<string, string | boolean | string[] | undefined>;
type Run = (app: INestApplicationContext) => Promise<unknown>;

interface Command {
  options: NonNullable<ParseArgsConfig['options']>;
  positionals?: number;
  /** Checks the input before the database is opened, and answers what to run. */
  prepare(values: Values, positionals: string[]): Promise<Run>;
}

const paging = { limit: { type: 'string' }, offset: { type: 'string' } } as const;

const COMMANDS: Record<string, Command> = {
  'user:create': {
    options: { username: { type: 'string' }, email: { type: 'string' } },
    async prepare(values) {
      required(values, 'username');
      const password = await readPassword();
      const dto = await checked(CreateUserDto, { username: values.username, password, email: values.email });
      return async (app) => UserDto.from(await app.get(UsersService).create({ username: dto.username, password: dto.password, email: dto.email ?? null }));
    },
  },

  'user:list': {
    options: paging,
    async prepare(values) {
      const page = await checked(PaginationQueryDto, { limit: int(values.limit as string | undefined), offset: int(values.offset as string | undefined) });
      return async (app) => {
        const [users, total] = await app.get(UsersService).list(page.limit ?? 50, page.offset ?? 0);
        return { data: users.map((u) => UserDto.from(u)), total };
      };
    },
  },

  'user:set-password': {
    options: {},
    positionals: 1,
    async prepare(_values, [id]) {
      const rowId = await idArgument(id);
      const password = await readPassword();
      const dto = await checked(UpdateUserDto, { password });
      return async (app) => {
        const user = await app.get(UsersService).update(rowId, { password: dto.password });
        if (!user) throw new CliError(`id: no user ${rowId}`);
        return UserDto.from(user);
      };
    },
  },

  'user:delete': {
    options: {},
    positionals: 1,
    async prepare(_values, [id]) {
      const rowId = await idArgument(id);
      return async (app) => {
        if (!(await app.get(UsersService).delete(rowId))) throw new CliError(`id: no user ${rowId}`);
        return { id: rowId, deleted: true };
      };
    },
  },

  'client:create': {
    options: {
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'grant-types': { type: 'string' },
      'response-types': { type: 'string' },
      scope: { type: 'string' },
      'auth-method': { type: 'string' },
      'client-uri': { type: 'string' },
      'skip-consent': { type: 'boolean' },
      introspection: { type: 'boolean' },
      'cors-origin': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'access-token-format': { type: 'string' },
      'id-token-alg': { type: 'string' },
      'jwks-uri': { type: 'string' },
      jwks: { type: 'string' },
      'require-par': { type: 'boolean' },
    },
    async prepare(values) {
      required(values, 'name');
      let jwks: unknown;
      if (values.jwks !== undefined) {
        try {
          jwks = JSON.parse(values.jwks as string);
        } catch {
          throw invalid({ jwks: 'must be a JWK Set as JSON: {"keys": [...]}' });
        }
      }
      const dto = await checked(CreateClientDto, {
        client_name: values.name,
        redirect_uris: values['redirect-uri'],
        grant_types: list(values['grant-types'] as string | undefined),
        response_types: list(values['response-types'] as string | undefined),
        scope: values.scope,
        // What most client libraries send by default (the console proposes it too); the server accepts
        // the secret by Basic as well, whichever is registered.
        token_endpoint_auth_method: values['auth-method'] ?? 'client_secret_post',
        client_uri: values['client-uri'],
        skip_consent: values['skip-consent'],
        introspection: values.introspection,
        allowed_cors_origins: values['cors-origin'],
        post_logout_redirect_uris: values['post-logout-redirect-uri'],
        access_token_format: values['access-token-format'],
        id_token_signed_response_alg: values['id-token-alg'],
        jwks_uri: values['jwks-uri'],
        jwks,
        require_pushed_authorization_requests: values['require-par'],
      });
      return async (app) => {
        const { client, secret } = await app.get(ClientsService).create({ ...dto });
        if (secret) process.stderr.write('The client_secret is shown only this once: store it now.\n');
        return ClientWithSecretDto.withSecret(client, secret);
      };
    },
  },

  'client:vet': {
    options: {},
    positionals: 1,
    async prepare(_values, [clientId]) {
      if (!clientId) throw new CliError('missing <client_id> (see --help)');
      return async (app) => {
        const client = await app.get(ClientsService).vet(clientId);
        if (!client) throw new CliError(`client_id: no client "${clientId.slice(0, 64)}"`);
        return ClientDto.from(client);
      };
    },
  },

  'client:rotate-secret': {
    options: {},
    positionals: 1,
    async prepare(_values, [clientId]) {
      if (!clientId) throw new CliError('missing <client_id> (see --help)');
      return async (app) => {
        const rotated = await app.get(ClientsService).rotateSecret(clientId);
        if (!rotated) throw new CliError(`client_id: no client "${clientId.slice(0, 64)}"`);
        process.stderr.write('The new client_secret is shown only this once: store it now. The old one no longer works.\n');
        return ClientWithSecretDto.withSecret(rotated.client, rotated.secret);
      };
    },
  },

  'client:delete': {
    options: {},
    positionals: 1,
    async prepare(_values, [clientId]) {
      if (!clientId) throw new CliError('missing <client_id> (see --help)');
      return async (app) => {
        if (!(await app.get(ClientsService).delete(clientId))) throw new CliError(`client_id: no client "${clientId.slice(0, 64)}"`);
        return { client_id: clientId, deleted: true };
      };
    },
  },

  'token:revoke': {
    options: {},
    positionals: 1,
    async prepare(_values, [id]) {
      const rowId = await idArgument(id);
      return async (app) => {
        const tokens = app.get(TokensService);
        const token = await tokens.findById(rowId);
        if (!token) throw new CliError(`id: no token ${rowId}`);
        await tokens.revokeById(rowId);
        app.get(AuditService).record({ type: 'token.revoked', clientId: token.clientId, userId: token.userId, detail: { token_id: rowId, by: 'cli' } });
        return { id: rowId, revoked: true };
      };
    },
  },

  'client:list': {
    options: paging,
    async prepare(values) {
      const page = await checked(PaginationQueryDto, { limit: int(values.limit as string | undefined), offset: int(values.offset as string | undefined) });
      return async (app) => {
        const [clients, total] = await app.get(ClientsService).list({}, page.limit ?? 50, page.offset ?? 0);
        return { data: clients.map((c) => ClientDto.from(c)), total };
      };
    },
  },

  'db:purge': {
    options: {},
    async prepare() {
      return async (app) => app.get(JanitorService).purge();
    },
  },

  'registration-token:create': {
    options: { description: { type: 'string' }, 'expires-in': { type: 'string' }, uses: { type: 'string' } },
    async prepare(values) {
      const dto = await checked(CreateInitialAccessTokenDto, {
        description: values.description,
        expires_in: int(values['expires-in'] as string | undefined),
        uses: int(values.uses as string | undefined),
      });
      return async (app) => {
        const { token, row } = await app.get(RegistrationService).createInitialAccessToken({ description: dto.description, expiresIn: dto.expires_in, uses: dto.uses });
        process.stderr.write('The initial access token is shown only this once: hand it over now.\n');
        return { initial_access_token: token, ...InitialAccessTokenDto.from(row) };
      };
    },
  },

  'resource:create': {
    options: { identifier: { type: 'string' }, scope: { type: 'string' } },
    async prepare(values) {
      required(values, 'identifier');
      const dto = await checked(CreateResourceServerDto, { identifier: values.identifier, scopes: ((values.scope as string | undefined) ?? '').split(' ').filter(Boolean) });
      return async (app) => {
        const created = await app.get(ResourceServersService).create(dto.identifier, dto.scopes);
        if (!created) throw new CliError('--identifier (identifier): a resource server with this identifier exists');
        return ResourceServerDto.from(created);
      };
    },
  },

  'resource:list': {
    options: paging,
    async prepare(values) {
      const page = await checked(PaginationQueryDto, { limit: int(values.limit as string | undefined), offset: int(values.offset as string | undefined) });
      return async (app) => {
        const [rows, total] = await app.get(ResourceServersService).list(page.limit ?? 50, page.offset ?? 0);
        return { data: rows.map((r) => ResourceServerDto.from(r)), total };
      };
    },
  },

  'resource:delete': {
    options: {},
    positionals: 1,
    async prepare(_values, [id]) {
      const rowId = await idArgument(id);
      return async (app) => {
        if (!(await app.get(ResourceServersService).delete(rowId))) throw new CliError(`id: no resource server ${rowId}`);
        return { id: rowId, deleted: true };
      };
    },
  },

  'keys:list': {
    options: {},
    async prepare() {
      return async (app) => {
        const keys = await app.get(SigningKeysService).list();
        return { data: keys.map((k) => SigningKeyDto.from(k)), total: keys.length };
      };
    },
  },

  'keys:rotate': {
    options: {},
    async prepare() {
      return async (app) => {
        const keys = await app.get(SigningKeysService).rotate();
        process.stderr.write('New signing keys are published now and sign after KEY_ROTATION_OVERLAP seconds.\n');
        return { data: keys.map((k) => SigningKeyDto.from(k)), total: keys.length };
      };
    },
  },
};

export async function main(argv: string[]): Promise<number> {
  // `--` is passed through by npm when the operator writes `npm run cli -- <command> -- <id>`.
  const [name, ...args] = argv[0] === '--' ? argv.slice(1) : argv;
  const end = args.indexOf('--');
  const options = end === -1 ? args : args.slice(0, end);
  if (!name || name === '--help' || name === '-h' || name === 'help' || options.includes('--help')) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  try {
    const command = COMMANDS[name];
    if (!command) throw new CliError(`unknown command "${name.slice(0, 64)}" (see --help)`);
    let parsed;
    try {
      parsed = parseArgs({ args, options: command.options, allowPositionals: true, strict: true });
    } catch (err) {
      const option = /'([^']+)'/.exec((err as Error).message)?.[1];
      const unknown = (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
      const hint = command.positionals && option && !option.startsWith('--') ? '; an id that starts with "-" goes after --' : '';
      throw new CliError(unknown && option ? `unknown option ${option} for ${name} (see --help${hint})` : `${(err as Error).message.split('. ')[0]} (see --help)`);
    }
    if (parsed.positionals.length > (command.positionals ?? 0)) {
      throw new CliError(`unexpected argument "${parsed.positionals[command.positionals ?? 0].slice(0, 64)}" (see --help)`);
    }
    const run = await command.prepare(parsed.values as Values, parsed.positionals);

    loadEnvFile();
    const config = loadConfig(process.env, { keepGeneratedSecrets: true });
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: false, abortOnError: false });
    let result: unknown;
    try {
      result = await run(app);
      await app.get(AuditService).flush();
    } finally {
      await app.close();
    }
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`gatehouse: ${describe(err)}\n`);
    return 1;
  }
}

function describe(err: unknown): string {
  if (err instanceof CliError) return err.message;
  if (err instanceof ClientMetadataError || err instanceof ResourceServerError) return invalid(err.fields).message;
  if (err instanceof UsernameTakenError) return '--username (username): is already taken';
  if (err instanceof PublicClientHasNoSecretError) return `client_id: ${err.message}`;
  if (err instanceof ConfigError) return `configuration error: ${err.message}`;
  return `failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
