import NIOCore
@testable import Outputs
import XCTest

final class DeliveryStreamLedgerTests: XCTestCase {
    private func write(_ text: String, events: Int) -> DeliveryStreamWrite {
        DeliveryStreamWrite(bytes: ByteBuffer(string: text), events: events)
    }

    private func texts(_ writes: [DeliveryStreamWrite]) -> [String] { writes.map { String(buffer: $0.bytes) } }

    func testAcknowledgementsConfirmWholeWritesInOrder() {
        var ledger = DeliveryStreamLedger(.acknowledgements(window: 2, read: { _ in 0 }))
        XCTAssertTrue(ledger.hasRoom)
        ledger.write(write("a", events: 3))
        ledger.write(write("b", events: 2))
        XCTAssertFalse(ledger.hasRoom, "two unconfirmed writes fill a window of two")
        XCTAssertEqual(ledger.acknowledge(2), 0, "2 of a's 3 events")
        XCTAssertEqual(ledger.acknowledge(2), 1, "a's last event and b's first")
        XCTAssertTrue(ledger.hasRoom)
        XCTAssertEqual(texts(ledger.unconfirmed), ["b"])
        XCTAssertEqual(ledger.unconfirmedEvents, 2)
        XCTAssertEqual(ledger.acknowledge(5), 1, "more than written confirms what there is")
        XCTAssertEqual(ledger.unconfirmed.count, 0)
        ledger.write(write("c", events: 1))
        XCTAssertEqual(ledger.acknowledge(1), 1, "the surplus was not carried over to c")
    }

    /// A partly acknowledged write goes again whole, and counting starts over on the new connection.
    func testReplayForgetsPartialAcknowledgements() {
        var ledger = DeliveryStreamLedger(.acknowledgements(window: 8, read: { _ in 0 }))
        ledger.write(write("a", events: 3))
        ledger.write(write("b", events: 1))
        XCTAssertEqual(ledger.acknowledge(2), 0)
        XCTAssertEqual(texts(ledger.replay()), ["a", "b"])
        XCTAssertEqual(ledger.acknowledge(2), 0, "the 2 events acknowledged before the reconnect no longer count")
        XCTAssertEqual(ledger.acknowledge(1), 1)
    }

    /// A write is confirmed once TCP acknowledged its last byte and `tail` newer acknowledged writes exist.
    func testTCPAcknowledgedBytesConfirmWritesBeyondTheTail() {
        var ledger = DeliveryStreamLedger(.tcpAcknowledged(tail: 1))
        for (name, end) in [("a", 100), ("b", 250), ("c", 400)] {
            ledger.write(write(name, events: 1))
            ledger.wrote(endingAt: end)
        }
        ledger.write(write("d", events: 1))  // still in NIO's hands: no end offset yet
        XCTAssertTrue(ledger.hasRoom, "no window: a silent receiver never makes a write wait")
        XCTAssertEqual(ledger.transmitted(99), 0, "a's last byte is not acknowledged")
        XCTAssertEqual(ledger.transmitted(250), 1, "a and b acknowledged; b is the tail, the receiver may not have read it")
        XCTAssertEqual(texts(ledger.unconfirmed), ["b", "c", "d"])
        XCTAssertEqual(ledger.transmitted(10_000), 1, "c is acknowledged now and becomes the tail")
        XCTAssertEqual(texts(ledger.unconfirmed), ["c", "d"], "d never left the socket and does not count towards the tail")
        XCTAssertEqual(ledger.transmitted(10_000, keepingTail: false), 1, "at shutdown TCP alone confirms the tail")
        XCTAssertEqual(ledger.transmitted(10_000, keepingTail: false), 0, "d never left the socket: not even shutdown confirms it")
        ledger.wrote(endingAt: 500)
        XCTAssertEqual(ledger.transmitted(10_000), 0, "the tail of one write is kept although acknowledged")
        XCTAssertEqual(ledger.transmitted(10_000, keepingTail: false), 1)
        XCTAssertTrue(ledger.isEmpty)
    }

    /// Many writes in the send queue do not push an acknowledged but perhaps unread write out of the tail.
    func testTheTailIsCountedAmongAcknowledgedWrites() {
        var ledger = DeliveryStreamLedger(.tcpAcknowledged(tail: 2))
        for k in 1...10 {
            ledger.write(write("w\(k)", events: 1))
            ledger.wrote(endingAt: k * 100)
        }
        XCTAssertEqual(ledger.transmitted(400), 2, "w1...w4 acknowledged, w3 and w4 kept")
        XCTAssertEqual(texts(ledger.replay()), (3...10).map { "w\($0)" })
    }

    /// After a reconnect the offsets count from the new connection's first byte.
    func testTCPOffsetsStartOverOnTheNewConnection() {
        var ledger = DeliveryStreamLedger(.tcpAcknowledged(tail: 0))
        ledger.write(write("a", events: 2))
        ledger.wrote(endingAt: 1000)
        ledger.write(write("b", events: 1))
        ledger.wrote(endingAt: 2000)
        XCTAssertEqual(ledger.transmitted(1500), 1)
        XCTAssertEqual(texts(ledger.replay()), ["b"])
        XCTAssertEqual(ledger.transmitted(5000), 0, "b's old offset means nothing on the new connection")
        ledger.wrote(endingAt: 1000)
        XCTAssertEqual(ledger.transmitted(999), 0)
        XCTAssertEqual(ledger.transmitted(1000), 1)
    }

    func testWrittenButUnacknowledgedWritesAreReplayed() {
        var ledger = DeliveryStreamLedger(.tcpAcknowledged(tail: 0))
        for (k, name) in ["a", "b", "c"].enumerated() {
            ledger.write(write(name, events: 1))
            ledger.wrote(endingAt: (k + 1) * 100)
        }
        XCTAssertEqual(ledger.transmitted(150), 1, "b and c sit in the send queue")
        XCTAssertEqual(texts(ledger.replay()), ["b", "c"])
        XCTAssertEqual(ledger.unconfirmedEvents, 2)
    }

    func testAFailedWriteIsTakenBackForTheDriverToSendAgain() {
        var ledger = DeliveryStreamLedger(.acknowledgements(window: 4, read: { _ in 0 }))
        ledger.write(write("a", events: 1))
        ledger.write(write("b", events: 1))
        ledger.takeBack()
        XCTAssertEqual(texts(ledger.replay()), ["a"])
        XCTAssertEqual(ledger.abandon(), 1)
        XCTAssertEqual(ledger.unconfirmed.count, 0)
    }
}
