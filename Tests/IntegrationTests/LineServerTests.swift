import Foundation
import LineClient
import Model
import Store
import Testing

/// The real server process over TCP: what needs the process (a port, signals). The
/// line protocol's behaviour (AUTH, roles, bad input, pipelining, limits) is tested in
/// process: Tests/GatewayTests/LineInProcessTests.swift.
@Suite("Line protocol against the real server")
struct LineServerTests {
    @Test func aTCPClientIsGreetedAnsweredAndLetGo() throws {
        let server = try ServerProcess(store: TemporaryStore())
        let c = try server.operatorConnection()
        #expect(c.greeting.hasPrefix("220 "))
        #expect(try c.send("TOPUP 36301111111 5") == ["250 OK balance 5005"])
        #expect(try c.send("QUIT") == ["221 Bye"])
        #expect(try c.readLine() == nil)
    }

    @Test func shutdownTellsIdleConnectionsWhy() throws {
        let server = try ServerProcess(store: TemporaryStore())
        let c = try server.connect()
        #expect(try c.send("PING") == ["250 PONG"])
        #expect(server.stop() == 0)
        #expect(try c.readLine() == "421 Shutting down")
        #expect(try c.readLine() == nil)
    }
}
