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

    func testWithoutAcknowledgementsTheLastWritesAreKept() {
        var ledger = DeliveryStreamLedger(.lastWrites(keep: 2))
        for name in ["a", "b", "c"] { ledger.write(write(name, events: 1)) }
        XCTAssertTrue(ledger.hasRoom, "no window: a silent receiver never makes a write wait")
        XCTAssertEqual(texts(ledger.replay()), ["b", "c"])
        XCTAssertEqual(texts(ledger.replay()), ["b", "c"], "replaying keeps them until newer writes push them out")
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
