import EventLoop
import Foundation

/// Runs `loop` passes until `done` or the deadline (a 10 ms tick keeps passes coming).
public func run(_ loop: EventLoop, seconds: Double = 5, until done: () -> Bool) {
    let tick = LoopTimer(loop: loop) {}
    tick.schedule(after: 0.01, repeating: true)
    let deadline = Date().addingTimeInterval(seconds)
    while !done(), Date() < deadline { loop.runOnce() }
    tick.cancel()
}
