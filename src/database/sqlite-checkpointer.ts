import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';

/** How often the write-ahead log is copied back into the database file. */
const INTERVAL_MS = 1000;

interface SqliteConnection {
  name: string;
  pragma(source: string, options?: { simple?: boolean }): unknown;
}

/**
 * The checkpointing thread: its own connection to the same file, a PASSIVE checkpoint (it never
 * waits for a lock, so it never holds up a writer) on a timer, and a report of each one.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ frames: result.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
}, workerData.interval);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * SQLite in WAL mode checkpoints inside whichever COMMIT pushes the log past 1000 pages: that
 * request then copies everyone's pages and waits for the disk. Here the automatic checkpoint is off
 * and a worker thread checkpoints once a second instead, off the event loop.
 */
@Injectable()
export class SqliteCheckpointer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SqliteCheckpointer.name);
  private worker: Worker | null = null;
  /** Checkpoints completed so far (for tests and diagnostics). */
  checkpoints = 0;

  constructor(private readonly dataSource: DataSource) {}

  onModuleInit(): void {
    if (this.dataSource.options.type !== 'better-sqlite3') return;
    const connection = (this.dataSource.driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection;
    if (connection.pragma('journal_mode', { simple: true }) !== 'wal') return;
    connection.pragma('wal_autocheckpoint = 0');
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), path: connection.name, interval: INTERVAL_MS },
    });
    worker.on('message', (m: { frames?: number; error?: string }) => {
      if (m.error) this.logger.warn(`WAL checkpoint failed: ${m.error}`);
      else this.checkpoints++;
    });
    worker.on('error', (err) => {
      // Without the thread the log would grow without end: fall back to SQLite's own checkpoints.
      this.logger.error(`WAL checkpoint thread stopped (${err.message}); SQLite checkpoints on commit again`);
      connection.pragma('wal_autocheckpoint = 1000');
      this.worker = null;
    });
    // The thread never keeps the process alive; closing the database checkpoints anyway.
    worker.unref();
    this.worker = worker;
  }

  async onApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    // Referenced again while it closes its connection, so that the process waits for it.
    worker.ref();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('stop');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    await worker.terminate();
  }
}
