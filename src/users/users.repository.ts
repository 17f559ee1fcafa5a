import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { User } from './user.entity';

@Injectable()
export class UsersRepository {
  constructor(private readonly db: Db) {}

  findById(id: number): Promise<User | null> {
    return this.db.run((m) => m.findOneBy(User, { id }));
  }

  findByUsername(username: string): Promise<User | null> {
    return this.db.run((m) => m.findOneBy(User, { username }));
  }

  list(limit: number, offset: number): Promise<[User[], number]> {
    return this.db.run((m) => m.findAndCount(User, { order: { id: 'ASC' }, take: limit, skip: offset }));
  }

  insert(user: Omit<User, 'id'>): Promise<User> {
    return this.db.run((m) => m.save(User, m.create(User, user)));
  }

  async update(id: number, changes: Partial<Omit<User, 'id'>>): Promise<void> {
    await this.db.run((m) => m.update(User, { id }, changes));
  }

  /** Codes, tokens and owned clients go with the user (ON DELETE CASCADE). */
  async delete(id: number): Promise<boolean> {
    const result = await this.db.run((m) => m.delete(User, { id }));
    return (result.affected ?? 0) > 0;
  }
}
