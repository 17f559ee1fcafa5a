import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Table `audit_event`: one security-relevant act. `detail` is a JSON object as text. */
@Entity('audit_event')
@Index('IDX_audit_event_occurred_at', ['occurredAt'])
@Index('IDX_audit_event_type', ['type', 'occurredAt'])
@Index('IDX_audit_event_user_id', ['userId'])
@Index('IDX_audit_event_client_id', ['clientId'])
export class AuditEventRow {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 64 })
  type: string;

  @Column({ name: 'occurred_at', type: 'bigint' })
  occurredAt: number;

  @Column({ name: 'user_id', type: 'int', nullable: true })
  userId: number | null;

  @Column({ name: 'client_id', type: 'varchar', length: 64, nullable: true })
  clientId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ type: 'text', nullable: true })
  detail: string | null;
}
