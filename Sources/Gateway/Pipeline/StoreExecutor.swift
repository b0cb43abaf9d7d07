/// The seam between the pipeline (on the loop thread) and a store.
///
/// Why this shape:
/// - **Batch-level**: a transaction costs one fsync (SQLite) or one round trip and one
///   WAL flush (PostgreSQL) whatever it holds, so the unit handed over is a whole batch,
///   never one request: the pipeline group-commits by construction.
/// - **Completion-based**: the loop never waits for a disk or a database. ``execute(_:completion:)``
///   returns at once; the completion runs later on the loop thread, once the batch is
///   durable (or failed). An SQLite backend runs the batch on a thread of its own; a
///   PostgreSQL backend can do the same with a blocking connection, or drive libpq's
///   asynchronous pipeline from the loop — either fits behind this protocol.
/// - **One batch at a time**: while one batch commits, the loop keeps reading and the
///   next batch grows, so the group commit adapts to the load, and batches complete in
///   the order they were shipped (answers leave in request order).
/// - **Domain works, not SQL**: a batch is a list of ``StoreWork`` values (engine commands, or closures) over the
///   engine and `StoreTransaction`'s vocabulary; a second backend implements
///   `StoreTransaction`, not the engine again.
public protocol StoreExecutor: AnyObject {
    /// Starts running `batch` in one transaction; `completion` is called on the loop
    /// thread with every work's reply once committed, or with the error that rolled it
    /// back. Called only when the previous batch has completed.
    func execute(_ batch: StoreBatch, completion: @escaping (StoreBatchResult) -> Void)
    /// Lets the store go after the batch in progress (the thread ends).
    func shutdown()
}
