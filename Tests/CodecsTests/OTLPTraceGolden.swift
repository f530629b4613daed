import Codecs
import NIOCore

/// `ExportTraceServiceRequest` bodies as the reference implementation (python `protobuf` 7
/// with `opentelemetry-proto` 1.45) serializes them, with helpers to build the cases it
/// would not write (bad ids, wrong wire types) by hand.
enum OTLPTraceGolden {
    /// Three resources: `service.name=checkout` with scopes `a` (spans op1, op2) and `b`
    /// (op3); no resource, one unnamed scope (op4 to op6) and a schema URL; `service.name=idle`
    /// with an empty scope. Span `opN` has trace id `5b` + 15 × N, span id `ee N 00…01`, kind
    /// internal, start 2024-05-01T12:00:00Z + N ns, end 1 µs later.
    static let multi = """
        0ad1010a1c0a1a0a0c736572766963652e6e616d65120a0a08636865636b6f757412730a030a016112350a105b0101010101010101010101\
        010101011208ee010000000000012a036f7031300139018063f8995bcb1741e98363f8995bcb1712350a105b020202020202020202020202\
        0202021208ee020000000000012a036f7032300139028063f8995bcb1741ea8363f8995bcb17123c0a030a016212350a105b030303030303\
        0303030303030303031208ee030000000000012a036f7033300139038063f8995bcb1741eb8363f8995bcb170ad10112a50112350a105b04\
        04040404040404040404040404041208ee040000000000012a036f7034300139048063f8995bcb1741ec8363f8995bcb1712350a105b0505\
        050505050505050505050505051208ee050000000000012a036f7035300139058063f8995bcb1741ed8363f8995bcb1712350a105b060606\
        0606060606060606060606061208ee060000000000012a036f7036300139068063f8995bcb1741ee8363f8995bcb171a2768747470733a2f\
        2f6f70656e74656c656d657472792e696f2f736368656d61732f312e32312e300a1c0a180a160a0c736572766963652e6e616d6512060a04\
        69646c651200
        """

    /// One span (op7, status ok) under `service.name=svc` and scope `u`, with unknown fields
    /// 101 (varint), 102 (bytes), 103 (fixed64) and 103 (fixed32) appended to the request,
    /// the resource spans, the resource, the scope spans, the span and its status.
    static let unknownFields = """
        0ad4010a2f0a150a0c736572766963652e6e616d6512050a03737663a80607b206027a7ab9060000000000000000bd06000000001288010a030a\
        017512690a105b0707070707070707070707070707071208ee070000000000012a036f7037300139078063f8995bcb1741ef8363f8995bcb177a\
        1a1801a80607b206027a7ab9060000000000000000bd0600000000a80607b206027a7ab9060000000000000000bd0600000000a80607b20602\
        7a7ab9060000000000000000bd0600000000a80607b206027a7ab9060000000000000000bd0600000000a80607b206027a7ab9060000000000\
        000000bd0600000000
        """

    /// One server span `GET /cart` of `service.name=cart, host.name=web-1`, scope
    /// `io.opentelemetry.http` 1.2.0: every kind of attribute value, an event, a link, an
    /// error status, trace state `k=v` and flags 0x301.
    static let rich = """
        0ab8030a2e0a160a0c736572766963652e6e616d6512060a04636172740a140a09686f73742e6e616d6512070a057765622d311285030a1e0a\
        15696f2e6f70656e74656c656d657472792e687474701205312e322e3012e2020a105b8efff798038103d269b633813fc60c1208eee19b7ec3c1\
        b1741a036b3d762208eee19b7ec3c1b1732a09474554202f63617274300239154dbfff995bcb17417530d6ff995bcb174a140a0b687474702e6d\
        6574686f6412050a034745544a170a10687474702e7374617475735f636f6465120318f4034a0b0a057265747279120210014a120a05726174\
        696f120921000000000000d03f4a130a0474616773120b2a090a030a01610a0218014a280a066e6573746564121e321c0a080a016b12030a01\
        760a100a016e120b18feffffffffffffffff014a0d0a0372617712063a0400ff68694a070a05756e7365745a3609164dbfff995bcb171209657863\
        657074696f6e1a200a11657863657074696f6e2e6d657373616765120b0a09626f6f6d202278220a6a1c0a100af7651916cd43dd8448eb211c\
        80319c1208b7ad6b71692033317a13120f757073747265616d206661696c65641802850101030000
        """

    /// The bytes of a hex string.
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        func nibble(_ c: UInt8) -> UInt8 { c <= UInt8(ascii: "9") ? c - UInt8(ascii: "0") : (c | 0x20) - UInt8(ascii: "a") + 10 }
        return stride(from: 0, to: digits.count, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
    }

    /// A request of one resource, one scope and one span whose fields `span` writes.
    static func request(span: @escaping (inout ProtobufWriter) -> Void) -> [UInt8] {
        request(resources: [[span]])
    }

    /// A request of resources of scopes of spans, each span written by its closure.
    static func request(resources: [[(inout ProtobufWriter) -> Void]]...) -> [UInt8] {
        var w = ProtobufWriter()
        for scopes in resources {
            w.messageField(1) { rs in
                for spans in scopes {
                    rs.messageField(2) { ss in
                        for span in spans { ss.messageField(2) { span(&$0) } }
                    }
                }
            }
        }
        return Array(buffer: w.buffer)
    }

    /// Writes a span's ids: `trace` and `span` bytes (left out when nil), `parent` when given.
    static func ids(trace: [UInt8]? = Array(repeating: 1, count: 16), span: [UInt8]? = Array(repeating: 2, count: 8),
                    parent: [UInt8]? = nil) -> (inout ProtobufWriter) -> Void {
        { w in
            trace.map { t in t.withUnsafeBytes { w.bytesField(1, $0) } }
            span.map { s in s.withUnsafeBytes { w.bytesField(2, $0) } }
            parent.map { p in p.withUnsafeBytes { w.bytesField(4, $0) } }
        }
    }
}
