import EventLoop
import Model
#if canImport(Glibc)
import Glibc
#endif

/// The store's work on a thread of its own: the thread owns the store (the SQLite
/// connection) and runs one batch at a time — engine, writes, commit with its fsync —
/// while the loop goes on reading and writing sockets. The result crosses back through a
/// mailbox and an `eventfd` (``LoopWakeup``); the completion runs on the loop thread.
public final class ThreadStoreExecutor: StoreExecutor {
    private let mailbox: Mailbox
    private var wakeup: LoopWakeup?
    private var completion: ((StoreBatchResult) -> Void)?
    private var thread: pthread_t?

    /// Takes `store` over: from now on only the executor's thread may use it.
    public init(store: any SubscriberStore & Sendable, loop: EventLoop) throws {
        let mailbox = Mailbox()
        self.mailbox = mailbox
        wakeup = try LoopWakeup(loop: loop) { [unowned self] in self.delivered() }
        let bell = wakeup!.bell
        let body = ThreadBody(store: store, mailbox: mailbox, bell: bell)
        var tid = pthread_t()
        let context = Unmanaged.passRetained(body).toOpaque()
        let rc = pthread_create(&tid, nil, { raw in
            let body = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
            body.run()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            throw EventLoopError.libevent("the store thread did not start: \(String(cString: strerror(rc)))")
        }
        thread = tid
    }

    public func execute(_ batch: StoreBatch, completion: @escaping (StoreBatchResult) -> Void) {
        precondition(self.completion == nil, "one batch at a time")
        self.completion = completion
        mailbox.post(.batch(batch))
    }

    private func delivered() {
        guard let result = mailbox.takeResult(), let completion else { return }
        self.completion = nil
        completion(result)
    }

    public func shutdown() {
        guard let thread else { return }
        mailbox.post(.stop)
        pthread_join(thread, nil)
        self.thread = nil
    }

    deinit { shutdown() }
}

/// What the thread runs; it holds the store.
private final class ThreadBody: @unchecked Sendable {
    // Unchecked: after the hand-over only the store thread touches `store`.
    let store: any SubscriberStore & Sendable
    let mailbox: Mailbox
    let bell: LoopWakeup.Bell

    init(store: any SubscriberStore & Sendable, mailbox: Mailbox, bell: LoopWakeup.Bell) {
        self.store = store
        self.mailbox = mailbox
        self.bell = bell
    }

    func run() {
        while true {
            // The batch is released before the loop hears of the result: it holds the
            // USSD state's snapshot, and were it still alive when the loop applies the
            // batch's changes, the whole table of open dialogues would be copied (perf:
            // USSD at 2.3k sessions/s, most of it that copy, with 7 000 dialogues open).
            guard let result = Self.runReleasing(mailbox.next(), in: store) else { return }
            mailbox.putResult(result)
            bell.ring()
        }
    }

    @inline(never)
    private static func runReleasing(_ letter: consuming Mailbox.Letter, in store: any SubscriberStore) -> StoreBatchResult? {
        guard case .batch(let batch) = consume letter else { return nil }
        return batch.run(in: store)
    }
}

/// The executor's mailbox: a batch (or stop) in, a result out, under one mutex.
private final class Mailbox: @unchecked Sendable {
    enum Letter { case batch(StoreBatch), stop }
    // Allocated: a pthread object must not move, and `&property` promises no address.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let ready = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var letters: [Letter] = []
    private var result: StoreBatchResult?

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(ready, nil)
    }

    deinit {
        pthread_cond_destroy(ready)
        pthread_mutex_destroy(mutex)
        ready.deallocate()
        mutex.deallocate()
    }

    func post(_ letter: Letter) {
        pthread_mutex_lock(mutex)
        letters.append(letter)
        pthread_cond_signal(ready)
        pthread_mutex_unlock(mutex)
    }

    /// Waits for the next letter (store thread).
    func next() -> Letter {
        pthread_mutex_lock(mutex)
        while letters.isEmpty { pthread_cond_wait(ready, mutex) }
        let letter = letters.removeFirst()
        pthread_mutex_unlock(mutex)
        return letter
    }

    func putResult(_ value: StoreBatchResult) {
        pthread_mutex_lock(mutex)
        result = value
        pthread_mutex_unlock(mutex)
    }

    func takeResult() -> StoreBatchResult? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        let value = result
        result = nil
        return value
    }
}
