import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { DataSource } from 'typeorm';
import { Db } from './db';

/** How often the write-ahead log is copied back into the database file. */
const INTERVAL_MS = 1000;
/**
 * Under constant writes the thread's checkpoint never catches up with the last frame, and SQLite
 * restarts the log only after a checkpoint that did: past this many frames (16 MiB of 4 KiB pages)
 * the main connection copies the few frames left itself, and the next COMMIT starts the log over.
 */
const RESTART_FRAMES = 4096;

interface SqliteConnection {
  name: string;
  pragma(source: string, options?: { simple?: boolean }): unknown;
}

/**
 * The checkpointing thread: its own connection to the same file and, each time it is asked, a
 * PASSIVE checkpoint (it never waits for a lock, so it never holds up a writer) and its report.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
parentPort.on('message', (command) => {
  if (command === 'stop') {
    db.close();
    return parentPort.close();
  }
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ log: result.log, checkpointed: result.checkpointed });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  }
});
`;

/**
 * SQLite in WAL mode checkpoints inside whichever COMMIT pushes the log past 1000 pages: that
 * request then copies everyone's pages and waits for the disk. Here the automatic checkpoint is off
 * and a worker thread checkpoints once a second instead, off the event loop; the main connection
 * only finishes the small remainder now and then, so that the log can start over.
 */
@Injectable()
export class SqliteCheckpointer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SqliteCheckpointer.name);
  private worker: Worker | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failing = false;
  /** Checkpoints completed so far (for tests and diagnostics). */
  checkpoints = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly db: Db,
  ) {}

  onModuleInit(): void {
    if (this.dataSource.options.type !== 'better-sqlite3') return;
    // The connection was replaced (it had been opened read-only): its pragmas and the thread's own
    // connection, opened read-only too, start over.
    this.db.onSqliteReopen(() => {
      const worker = this.worker;
      this.worker = null;
      this.stopTimer();
      void worker?.terminate();
      this.start();
    });
    this.start();
  }

  private start(): void {
    const connection = (this.dataSource.driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection;
    if (connection.pragma('journal_mode', { simple: true }) !== 'wal') return;
    connection.pragma('wal_autocheckpoint = 0');
    // After a restart, a log that grew large is cut back to this size.
    connection.pragma(`journal_size_limit = ${RESTART_FRAMES * 4096}`);
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: { driver: require.resolve('better-sqlite3'), path: connection.name },
    });
    let asked = false;
    worker.on('message', (m: { log?: number; checkpointed?: number; error?: string }) => {
      asked = false;
      // A full disk fails every checkpoint until it has room: one line when that starts, one when it ends.
      if (m.error) {
        if (!this.failing) this.logger.warn(`WAL checkpoint failed: ${m.error} (retrying every second)`);
        this.failing = true;
        return;
      }
      if (this.failing) this.logger.log('WAL checkpoints succeed again');
      this.failing = false;
      this.checkpoints++;
      // The thread is idle until asked again: this checkpoint competes with nobody and completes.
      if ((m.log ?? 0) < RESTART_FRAMES || !this.worker) return;
      try {
        connection.pragma('wal_checkpoint(PASSIVE)');
      } catch (err) {
        this.logger.warn(`WAL checkpoint failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    worker.on('error', (err) => {
      // Without the thread the log would grow without end: fall back to SQLite's own checkpoints.
      this.logger.error(`WAL checkpoint thread stopped (${err.message}); SQLite checkpoints on commit again`);
      connection.pragma('wal_autocheckpoint = 1000');
      this.stopTimer();
      this.worker = null;
    });
    // Neither the thread nor its timer keeps the process alive; closing the database checkpoints anyway.
    worker.unref();
    this.worker = worker;
    this.timer = setInterval(() => {
      if (asked) return;
      asked = true;
      worker.postMessage('checkpoint');
    }, INTERVAL_MS);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async onApplicationShutdown(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.stopTimer();
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
