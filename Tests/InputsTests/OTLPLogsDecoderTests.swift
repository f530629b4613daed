@testable import Inputs
import Pipeline
import XCTest

/// OTLP log records → log events. Requests are `ExportLogsServiceRequest`s serialised by the
/// Python `opentelemetry-proto` package (the builder is quoted above each vector).
final class OTLPLogsDecoderTests: XCTestCase {
    /// resource {service.name="checkout", host.cpus=8, zones=["a","b"]}, scope io.app.logger
    /// 1.2.0, one record: time 1700000000123456789, observed 1700000001000000000, severity 9
    /// "INFO", body "payment accepted", attributes http.method="POST", http.status_code=201,
    /// ratio=0.25, cached=true, tags=["x",1], ctx={user:"u1",n:2}, raw=b"\x01\x02", empty (no
    /// value); flags 1, trace and span ids, event_name "payment.accepted".
    static let full = """
        0ae6020a440a1a0a0c736572766963652e6e616d65120a0a08636865636b6f75740a0f0a09686f73742e63707573120218080a150a057a6f6e6573120c\
        2a0a0a030a01610a030a0162129d020a160a0d696f2e6170702e6c6f676765721205312e322e301282020915cd853dfe9c971710091a04494e464f2a12\
        0a107061796d656e7420616363657074656432150a0b687474702e6d6574686f6412060a04504f535432170a10687474702e7374617475735f636f6465\
        120318c90132120a05726174696f120921000000000000d03f320c0a066361636865641202100132130a0474616773120b2a090a030a01780a02180132\
        200a03637478121932170a0c0a047573657212040a0275310a070a016e12021802320b0a0372617712043a02010232090a05656d707479120045010000\
        004a105b8efff798038103d269b633813fc60c5208eee19b7ec3c1b1745900cac471fe9c971762107061796d656e742e6163636570746564
        """

    /// Records: time 1, body kvlist {a:1, b:"q\""}; time 2, body 42; observed 3, no body;
    /// no time, body b"\x01\x02"; time 5, body [1.5, true].
    static let bodies = """
        0a65126312210901000000000000002a1632140a070a0161120218010a090a016212040a027122120d0902000000000000002a02182a120959030000000000\
        000012062a043a020102121c0905000000000000002a112a0f0a0921000000000000f83f0a021001
        """

    /// Resource service.name "a" then "b"; record severity_text "WARN" with attributes
    /// severity="attr", k="1", k="2", resource.service.name="mine"; a second resource
    /// service.name="other" with one record.
    static let clashes = """
        0a8d010a2a0a130a0c736572766963652e6e616d6512030a01610a130a0c736572766963652e6e616d6512030a0162125f125d090a000000000000001a04\
        5741524e2a030a016d32120a08736576657269747912060a046174747232080a016b12030a013132080a016b12030a0132321f0a157265736f75726365\
        2e736572766963652e6e616d6512060a046d696e650a2d0a190a170a0c736572766963652e6e616d6512070a056f746865721210120e090b0000000000\
        00002a030a016e
        """

    /// Built by hand around serialised messages: the resource {service.name=svc, region=eu}
    /// after its scope (s) and record (time T, body "late resource"), and unknown fields 99
    /// (varint) and 100 (string) after the record, scope, resource and request.
    static let lateResource = """
        0a6412310a030a017312220900002a36fe9c97172a0f0a0d6c617465207265736f75726365980601a206027a7a980601a206027a7a0a270a150a0c73\
        6572766963652e6e616d6512050a037376630a0e0a06726567696f6e12040a026575980601a206027a7a980601a206027a7a
        """

    private func decode(_ hex: String, receivedAt: Int64 = 99, into batch: inout LogBatch) throws -> Int {
        try bytes(hex).withUnsafeBytes { try OTLPLogsDecoder().decode($0, receivedAt: receivedAt, into: &batch) }
    }

    private func fields(_ batch: LogBatch, _ index: Int) -> [String] {
        var out: [String] = []
        batch.forEachField(index) { key, value in
            let text = switch batch.literal(value) {
            case .string(let s): s
            case .int(let i): "int \(i)"
            case .double(let d): "double \(d)"
            case .bool(let b): "bool \(b)"
            }
            out.append("\(batch.name(of: key))=\(text)")
        }
        return out
    }

    func testEveryFieldOfARecord() throws {
        var batch = LogBatch()
        XCTAssertEqual(try decode(Self.full, into: &batch), 1)
        XCTAssertEqual(batch.message(0), "payment accepted")
        XCTAssertEqual(batch.records[0].timestamp, 1_700_000_000_123_456_789)
        XCTAssertEqual(fields(batch, 0), [
            "resource.service.name=checkout", "resource.host.cpus=int 8", #"resource.zones=["a","b"]"#,
            "scope.name=io.app.logger", "scope.version=1.2.0",
            "http.method=POST", "http.status_code=int 201", "ratio=double 0.25", "cached=bool true",
            #"tags=["x",1]"#, #"ctx={"user":"u1","n":2}"#, #"raw="AQI=""#,
            "severity=INFO", "severity_number=int 9", "trace_id=5b8efff798038103d269b633813fc60c",
            "span_id=eee19b7ec3c1b174", "event_name=payment.accepted", "flags=int 1",
        ])
        XCTAssertEqual(batch.field(0, .severity), batch.field(0, FieldName("severity")))
    }

    func testBodiesOtherThanStringsAreJSONAndTimestampsFallBack() throws {
        var batch = LogBatch()
        XCTAssertEqual(try decode(Self.bodies, receivedAt: 99, into: &batch), 5)
        XCTAssertEqual((0..<5).map { batch.message($0) }, [#"{"a":1,"b":"q\""}"#, "42", "", #""AQI=""#, "[1.5,true]"])
        XCTAssertEqual(batch.records.map(\.timestamp), [1, 2, 3, 99, 5])
        XCTAssertEqual(fields(batch, 2), [])
    }

    func testRecordFieldsWinOverAttributesAndAttributesOverResource() throws {
        var batch = LogBatch()
        XCTAssertEqual(try decode(Self.clashes, into: &batch), 2)
        XCTAssertEqual(fields(batch, 0), ["resource.service.name=mine", "severity=WARN", "k=2"])
        XCTAssertEqual(fields(batch, 1), ["resource.service.name=other"])
    }

    func testResourceAfterItsScopesAndUnknownFields() throws {
        var batch = LogBatch()
        XCTAssertEqual(try decode(Self.lateResource, into: &batch), 1)
        XCTAssertEqual(batch.message(0), "late resource")
        XCTAssertEqual(batch.records[0].timestamp, 1_700_000_000_000_000_000)
        XCTAssertEqual(fields(batch, 0), ["resource.service.name=svc", "resource.region=eu", "scope.name=s"])
    }

    /// Every cut of a body either throws, leaving the batch's earlier event alone, or decodes
    /// a prefix of the records.
    func testTruncatedBodiesThrowAndLeaveTheBatchUnchanged() throws {
        for vector in [Self.full, Self.bodies, Self.clashes, Self.lateResource] {
            let whole = bytes(vector)
            var complete = LogBatch()
            let total = try decode(vector, into: &complete)
            var thrown = 0
            for cut in 0..<whole.count {
                var batch = LogBatch()
                batch.append(timestamp: 7, message: "before")
                do {
                    let appended = try Array(whole[..<cut]).withUnsafeBytes { try OTLPLogsDecoder().decode($0, receivedAt: 1, into: &batch) }
                    XCTAssertLessThanOrEqual(appended, total, "cut \(cut)")
                    XCTAssertEqual(batch.count, 1 + appended, "cut \(cut)")
                } catch {
                    thrown += 1
                    XCTAssertEqual(batch.count, 1, "cut \(cut)")
                    XCTAssertEqual(batch.message(0), "before")
                    XCTAssertEqual(fields(batch, 0), [])
                }
            }
            XCTAssertGreaterThan(thrown, whole.count / 2)
        }
    }

    func testAWrongWireTypeIsMalformed() {
        // ResourceLogs field 1 as a varint.
        var batch = LogBatch()
        XCTAssertThrowsError(try decode("0801", into: &batch))
        XCTAssertEqual(batch.count, 0)
    }
}

private func bytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var digits = hex.utf8.makeIterator()
    while let high = digits.next(), let low = digits.next() {
        out.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)!)
    }
    return out
}
