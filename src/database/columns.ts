import { ValueTransformer } from 'typeorm';

/** Epoch seconds live in BIGINT columns; both drivers may hand them back as strings. */
export const epochSeconds: ValueTransformer = {
  to: (value?: number | null) => value,
  from: (value: unknown) => (value === null || value === undefined ? value : Number(value)),
};
