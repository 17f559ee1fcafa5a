import { InitialSchema1764400000000 } from './1764400000000-initial-schema';

/** Every migration, in order. Released migrations are never edited: add a new one. */
export const migrations = [InitialSchema1764400000000];
