import { TestApp } from '../support/start-app';
import { adminRequest } from './admin-request';

export interface UserInput {
  username: string;
  password: string;
  email?: string | null;
}

/** What POST /admin/users answers. */
export interface UserJson {
  id: number;
  username: string;
  email: string | null;
  created_at: number;
}

let sequence = 0;

export const userFactory = {
  /** A valid POST /admin/users body: a unique username, a fixed password, an email. */
  build(overrides: Partial<UserInput> = {}): UserInput {
    sequence++;
    const username = overrides.username ?? `user${process.pid}-${sequence}`;
    return { username, password: 'correct horse battery staple', email: `${username}@example.com`, ...overrides };
  },

  /** Creates a user through the admin API: `{ user, password }`. Throws on anything but 201. */
  async create(testApp: TestApp, overrides: Partial<UserInput> = {}): Promise<{ user: UserJson; password: string }> {
    const input = userFactory.build(overrides);
    const { status, body } = await adminRequest<UserJson>(testApp, 'POST', '/admin/users', input);
    if (status !== 201) throw new Error(`userFactory.create: POST /admin/users answered ${status} ${JSON.stringify(body)}`);
    return { user: body, password: input.password };
  },
};
