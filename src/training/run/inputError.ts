/**
 * The request cannot be run as given: bad config, bad data, a backend that cannot load. Exit code 2. Its own
 * module so that the extension host can tell it apart without bundling what reads configs, data and backends.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
