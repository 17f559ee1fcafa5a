import { ApiProperty } from '@nestjs/swagger';
import { PageDto } from '../../common/dto/page.dto';
import type { UserSession } from '../user-session.entity';

/** One sign-in session, described: never the cookie value or its digest. */
export class SessionDto {
  @ApiProperty({ description: 'Row id', example: 1 })
  id: number;

  @ApiProperty({ example: 1 })
  user_id: number;

  @ApiProperty({ description: 'When the user signed in, seconds since the epoch', example: 1764400000 })
  created_at: number;

  @ApiProperty({ description: 'When it stops working unless ended before, seconds since the epoch', example: 1764428800 })
  expires_at: number;

  @ApiProperty({ type: Number, nullable: true, description: 'When it was ended (sign-out, password change, operator), or null', example: null })
  ended_at: number | null;

  @ApiProperty({ description: 'True while neither ended nor expired', example: true })
  active: boolean;

  @ApiProperty({ type: String, nullable: true, description: 'The client IP at sign-in', example: '203.0.113.7' })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The browser at sign-in (first 255 characters)', example: 'Mozilla/5.0' })
  user_agent: string | null;

  static from(session: UserSession, active: boolean): SessionDto {
    return {
      id: session.id,
      user_id: session.userId,
      created_at: session.authTime,
      expires_at: session.expiresAt,
      ended_at: session.endedAt,
      active,
      ip: session.ip,
      user_agent: session.userAgent,
    };
  }
}

export class SessionListDto extends PageDto(SessionDto, 'Sessions') {}
