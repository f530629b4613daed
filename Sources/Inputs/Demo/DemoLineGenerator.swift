import Codecs

/// Deterministic Heroku-style log lines: 60% router, 20% runtime metrics, 20% app lines.
///
/// A pool of lines is rendered once from `seed` (SplitMix64); the stream is the pool in
/// order, repeated, so generating costs one copy per event.
struct DemoLineGenerator {
    /// One pre-rendered line and the syslog header fields it carries.
    struct Line {
        var message: [UInt8]
        var appname: [UInt8]
        var procid: [UInt8]
    }

    let pool: [Line]

    init(seed: UInt64, poolSize: Int = 4096) {
        var random = SplitMix64(seed: seed)
        var pool: [Line] = []
        pool.reserveCapacity(poolSize)
        for _ in 0..<poolSize {
            let roll = random.next(100)
            if roll < 60 {
                pool.append(Self.routerLine(&random))
            } else if roll < 80 {
                pool.append(Self.runtimeLine(&random))
            } else {
                pool.append(Self.appLine(&random))
            }
        }
        self.pool = pool
    }

    private static let methods = ["GET", "GET", "GET", "POST", "PUT", "DELETE"]
    private static let paths = ["/", "/api/users", "/api/orders", "/login", "/assets/app.js", "/health"]
    private static let statuses = [200, 200, 200, 200, 201, 204, 301, 304, 404, 500, 503]

    private static func routerLine(_ r: inout SplitMix64) -> Line {
        let status = statuses[r.next(statuses.count)]
        let dyno = "web.\(1 + r.next(4))"
        var text = "at=\(status >= 500 ? "error" : "info")"
        if status == 503 { text += " code=H12 desc=\"Request timeout\"" }
        text += " method=\(methods[r.next(methods.count)]) path=\"\(paths[r.next(paths.count)])\" host=demo.herokuapp.com"
        text += " request_id=\(r.hex(8))-\(r.hex(4))-\(r.hex(4))-\(r.hex(4))-\(r.hex(12))"
        text += " fwd=\"\(10 + r.next(200)).\(r.next(256)).\(r.next(256)).\(1 + r.next(254))\" dyno=\(dyno)"
        text += status == 503 ? " connect= service=30000ms" : " connect=\(r.next(5))ms service=\(1 + r.next(400))ms"
        text += " status=\(status) bytes=\(100 + r.next(50_000)) protocol=https"
        return Line(message: Array(text.utf8), appname: Array("heroku".utf8), procid: Array("router".utf8))
    }

    private static func runtimeLine(_ r: inout SplitMix64) -> Line {
        let dyno = "web.\(1 + r.next(4))"
        let text: String
        if r.next(2) == 0 {
            text = "source=\(dyno) dyno=heroku.\(100_000 + r.next(900_000)).\(r.hex(8))-\(r.hex(4))-\(r.hex(4))-\(r.hex(4))-\(r.hex(12))"
                + " sample#load_avg_1m=\(r.decimal(3)) sample#load_avg_5m=\(r.decimal(3)) sample#load_avg_15m=\(r.decimal(3))"
        } else {
            text = "source=\(dyno) dyno=heroku.\(100_000 + r.next(900_000)).\(r.hex(8))-\(r.hex(4))-\(r.hex(4))-\(r.hex(4))-\(r.hex(12))"
                + " sample#memory_total=\(r.next(512)).\(r.next(100))MB sample#memory_rss=\(r.next(512)).\(r.next(100))MB"
                + " sample#memory_cache=\(r.next(64)).\(r.next(100))MB sample#memory_swap=0.00MB"
                + " sample#memory_pgpgin=\(r.next(1_000_000))pages sample#memory_pgpgout=\(r.next(1_000_000))pages sample#memory_quota=512.00MB"
        }
        return Line(message: Array(text.utf8), appname: Array("heroku".utf8), procid: Array(dyno.utf8))
    }

    private static func appLine(_ r: inout SplitMix64) -> Line {
        let dyno = "web.\(1 + r.next(4))"
        let text: String
        switch r.next(3) {
        case 0:
            text = "measure#db.latency=\(1 + r.next(80))ms count#user.signup=\(1 + r.next(3)) source=\(dyno)"
        case 1:
            text = "sample#queue.depth=\(r.next(50)) measure#cache.hit_ratio=0.\(r.next(100)) count#jobs.processed=\(r.next(10))"
        default:
            text = "Completed \(statuses[r.next(4)]) OK in \(1 + r.next(300))ms (Views: \(r.next(100)).\(r.next(10))ms | ActiveRecord: \(r.next(50)).\(r.next(10))ms)"
        }
        return Line(message: Array(text.utf8), appname: Array("app".utf8), procid: Array(dyno.utf8))
    }
}

extension SplitMix64 {
    /// `count` lowercase hex digits.
    mutating func hex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<count).map { _ in digits[next(16)] })
    }

    /// A number like `2.46` with `places` digits in all.
    mutating func decimal(_ places: Int) -> String { "\(next(4)).\(next(100))" }
}
