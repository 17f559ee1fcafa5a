import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { GATEHOUSE_CSS } from './views/gatehouse.css';

/** The pages' one stylesheet, served by the server itself. */
@ApiExcludeController()
@Controller('assets')
export class AssetsController {
  @Get('gatehouse.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  css(): string {
    return GATEHOUSE_CSS;
  }
}
