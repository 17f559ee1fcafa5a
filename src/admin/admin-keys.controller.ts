import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SigningKeysService } from '../keys/signing-keys.service';
import { SigningKeyDto, SigningKeyListDto } from '../keys/dto/signing-key.dto';
import { AdminRoute } from './admin-route.decorator';
import { ClientIp } from '../common/client-ip.decorator';

@ApiTags('keys')
@AdminRoute()
@Controller('admin/keys')
export class AdminKeysController {
  constructor(private readonly keys: SigningKeysService) {}

  @Get()
  @ApiOperation({ summary: 'List the signing keys (ID tokens, JWT access tokens), oldest first, with their state; never private material' })
  @ApiOkResponse({ type: SigningKeyListDto })
  async list(): Promise<SigningKeyListDto> {
    const keys = await this.keys.list();
    return { data: keys.map((k) => SigningKeyDto.from(k)), total: keys.length };
  }

  @Post('rotate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Rotate the signing keys',
    description:
      'For each algorithm a new key is published at once and starts signing after KEY_ROTATION_OVERLAP seconds; the current key ' +
      'signs until then and stays published until every token it signed has expired. Answers the keys after the rotation.',
  })
  @ApiOkResponse({ type: SigningKeyListDto })
  async rotate(@ClientIp() ip: string): Promise<SigningKeyListDto> {
    const keys = await this.keys.rotate(ip);
    return { data: keys.map((k) => SigningKeyDto.from(k)), total: keys.length };
  }
}
