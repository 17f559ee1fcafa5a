import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsString, MaxLength } from 'class-validator';
import { PageDto } from '../../common/dto/page.dto';
import { SCOPES_SUPPORTED } from '../../common/oauth-types';
import { ResourceServerView } from '../resource-servers.service';

/** A new resource server (RFC 8707). */
export class CreateResourceServerDto {
  @ApiProperty({ description: 'The URI clients send as `resource` and tokens carry as `aud`: https (http only on loopback), no fragment', example: 'https://mcp.example.com/mcp', maxLength: 500 })
  @MaxLength(500)
  @IsString()
  identifier: string;

  @ApiProperty({ description: `The scopes it accepts (known: ${SCOPES_SUPPORTED.join(', ')})`, type: 'array', items: { type: 'string', maxLength: 64 }, example: ['profile'], maxItems: 20 })
  @MaxLength(64, { each: true })
  @IsString({ each: true })
  @ArrayMaxSize(20)
  @IsArray()
  scopes: string[];
}

export class ResourceServerDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Null for the built-in resource', example: 1 })
  id: number | null;

  @ApiProperty({ example: 'https://mcp.example.com/mcp' })
  identifier: string;

  @ApiProperty({ type: [String], example: ['profile'] })
  scopes: string[];

  @ApiProperty({ type: Number, nullable: true, description: 'Seconds since the epoch; null for the built-in resource', example: 1764400000 })
  created_at: number | null;

  @ApiProperty({ description: 'The server’s own /api/profile, which always exists', example: false })
  built_in: boolean;

  static from(v: ResourceServerView): ResourceServerDto {
    return { id: v.id, identifier: v.identifier, scopes: v.scopes, created_at: v.createdAt, built_in: v.builtIn };
  }
}

export class ResourceServerListDto extends PageDto(ResourceServerDto, 'Resource servers') {}
